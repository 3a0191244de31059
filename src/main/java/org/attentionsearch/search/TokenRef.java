package org.attentionsearch.search;

/**
 * A token of the analysed text: its position, vocabulary id and text, and its span in the
 * original string (Java String indices) or −1/−1 for special tokens such as [CLS].
 */
public record TokenRef(int position, int id, String text, int start, int end) {

    public boolean hasSpan() {
        return start >= 0;
    }
}
