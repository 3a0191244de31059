package org.attentionsearch.corpus;

/**
 * The Lucene field names of a corpus index. A token occurrence is one Lucene document; each
 * corpus document's text is one more, so that hits can show their snippet.
 */
final class Fields {

    private Fields() {
    }

    /** Occurrence: the document's line number (int point, stored). */
    static final String DOC = "doc";
    /** Occurrence: the token's position in the document (int point, stored). */
    static final String POSITION = "position";
    /** Occurrence: the token id (stored). */
    static final String ID = "id";
    /** Occurrence: the token's vocabulary string (keyword, stored): the same-token filter. */
    static final String TOKEN = "token";
    /** Occurrence: the character span (stored; −1 for special tokens). */
    static final String START = "start", END = "end";
    /** Occurrence: the terms "L.h.offset=K", "L.any.offset=K", "L.h.sink", "L.any.sink" that the head filters match. */
    static final String ATTENTION = "attention";
    /** Text: the document's line number (int point, stored) and its text (stored). */
    static final String LINE = "line", TEXT = "text";

    /** The direction of the residual stream leaving layer L: a unit vector (HNSW, dot product, which on unit vectors is the cosine). */
    static String vector(int layer) {
        return "layer." + layer;
    }

    /** The length of the residual stream leaving layer L (stored float): direction × length is the vector. */
    static String length(int layer) {
        return "length." + layer;
    }

    /** Every head's packed summary at layer L (stored). */
    static String heads(int layer) {
        return "heads." + layer;
    }

    static String offsetTerm(int layer, Integer head, int offset) {
        return layer + "." + (head == null ? "any" : head.toString()) + ".offset=" + offset;
    }

    static String sinkTerm(int layer, Integer head) {
        return layer + "." + (head == null ? "any" : head.toString()) + ".sink";
    }
}
