package org.attentionsearch.text;

import java.util.List;

/** The normalizers of a tokenizer.json for BPE models, each keeping every character aligned to the original. */
sealed interface TextNormalizer {

    AlignedText apply(AlignedText text);

    /** Unicode NFC (with the reference's Unicode 9.0 tables). */
    record Nfc() implements TextNormalizer {
        @Override
        public AlignedText apply(AlignedText text) {
            return org.attentionsearch.text.Nfc.normalize(text);
        }
    }

    /** A fixed string in front of non-empty text (Llama 2's {@code ▁}). */
    record Prepend(String prefix) implements TextNormalizer {
        @Override
        public AlignedText apply(AlignedText text) {
            return text.prepend(prefix);
        }
    }

    /** Every occurrence of a literal string or of a regular expression replaced by {@code content}. */
    record Replace(String literal, Regex pattern, String content) implements TextNormalizer {
        @Override
        public AlignedText apply(AlignedText text) {
            return pattern == null ? text.replace(literal, content) : text.replace(pattern, content);
        }
    }

    record Sequence(List<TextNormalizer> steps) implements TextNormalizer {
        @Override
        public AlignedText apply(AlignedText text) {
            AlignedText t = text;
            for (TextNormalizer n : steps) {
                t = n.apply(t);
            }
            return t;
        }
    }
}
