package org.attentionsearch.corpus;

/**
 * Which occurrences a corpus search may return, besides being near.
 *
 * @param tokens which tokens: any, the query's own token only, or other tokens only
 * @param head   the head the offset and sink conditions are about; null for any head of the layer
 * @param offset keep occurrences where that head's top key stands at this relative offset (−1: the previous token); null for any
 * @param sink   keep only occurrences where that head's top key is an attention sink
 */
public record SearchFilter(Tokens tokens, Integer head, Integer offset, boolean sink) {

    public enum Tokens { ANY, SAME, OTHER }

    public static final SearchFilter NONE = new SearchFilter(Tokens.ANY, null, null, false);

    public boolean none() {
        return tokens == Tokens.ANY && offset == null && !sink;
    }
}
