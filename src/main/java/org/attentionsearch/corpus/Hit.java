package org.attentionsearch.corpus;

/**
 * One occurrence a corpus search found.
 *
 * @param doc        the document's 0-based line number in the corpus file
 * @param position   the token's index in that document's tokenization
 * @param id         its token id
 * @param token      its vocabulary string
 * @param start      its first character in the document, or −1 for a special token
 * @param end        one past its last character, or −1
 * @param similarity the cosine between its stored vector and the query's
 * @param vector     its stored vector at the searched layer
 * @param heads      every head's summary there at that layer
 */
public record Hit(int doc, int position, int id, String token, int start, int end, double similarity,
                  float[] vector, HeadSummary[] heads) {
}
