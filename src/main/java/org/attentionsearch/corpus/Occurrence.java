package org.attentionsearch.corpus;

/**
 * One token occurrence of a corpus, as the index holds it.
 *
 * @param doc      the document's 0-based line number
 * @param position the token's index in the document's tokenization (special tokens included)
 * @param id       its vocabulary id
 * @param token    its vocabulary string
 * @param start    its first character in the document, or −1 for a special token
 * @param end      one past its last character, or −1
 * @param vectors  the residual stream leaving each indexed layer, in the index's layer order
 * @param heads    every head's summary at each indexed layer, in the same order
 */
public record Occurrence(int doc, int position, int id, String token, int start, int end,
                         float[][] vectors, HeadSummary[][] heads) {
}
