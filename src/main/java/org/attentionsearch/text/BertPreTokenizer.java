package org.attentionsearch.text;

/**
 * Hugging Face's BertPreTokenizer: splits on whitespace (dropping it) and makes every punctuation
 * character a word of its own.
 */
final class BertPreTokenizer {

    /** Receives each word as a range of the normalized text. */
    interface WordConsumer {
        void word(int from, int to);
    }

    static void split(NormalizedText text, int from, int to, WordConsumer words) {
        char[] c = text.chars;
        int wordStart = -1;
        for (int i = from; i < to; ) {
            int cp = Character.codePointAt(c, i, to);
            int next = i + Character.charCount(cp);
            if (CharClasses.isWhitespace(cp)) {
                if (wordStart >= 0) {
                    words.word(wordStart, i);
                    wordStart = -1;
                }
            } else if (CharClasses.isPunctuation(cp)) {
                if (wordStart >= 0) {
                    words.word(wordStart, i);
                    wordStart = -1;
                }
                words.word(i, next);
            } else if (wordStart < 0) {
                wordStart = i;
            }
            i = next;
        }
        if (wordStart >= 0) {
            words.word(wordStart, to);
        }
    }
}
