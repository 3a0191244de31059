package org.attentionsearch.corpus;

/**
 * One document of a corpus.
 *
 * @param doc  its 0-based line number in the corpus file
 * @param text the document's text
 */
public record CorpusText(int doc, String text) {
}
