package org.attentionsearch.text;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * The pre-tokenizers of a tokenizer.json for BPE models: each turns pieces of normalized text into
 * smaller pieces (words), which the model then tokenizes one by one. Empty pieces are dropped.
 */
sealed interface PreTokenizer {

    /** Splits (and possibly rewrites) one piece, adding the results to {@code out}. */
    void apply(AlignedText piece, List<AlignedText> out);

    /** How a split treats the matched delimiters (Hugging Face's SplitDelimiterBehavior). */
    enum Behavior { REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS }

    /** All pre-tokenizers in order over all pieces. */
    record Sequence(List<PreTokenizer> steps) implements PreTokenizer {
        @Override
        public void apply(AlignedText piece, List<AlignedText> out) {
            List<AlignedText> current = new ArrayList<>();
            current.add(piece);
            for (PreTokenizer step : steps) {
                List<AlignedText> next = new ArrayList<>();
                for (AlignedText p : current) {
                    step.apply(p, next);
                }
                current = next;
            }
            out.addAll(current);
        }
    }

    /**
     * GPT-2's byte-level step: optionally a space in front (unless the piece starts with one), optionally
     * the GPT-2 split pattern, then every piece rewritten as the characters of its UTF-8 bytes.
     */
    record ByteLevel(boolean addPrefixSpace, boolean useRegex) implements PreTokenizer {
        static final Regex GPT2_PATTERN = Regex.compile("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

        @Override
        public void apply(AlignedText piece, List<AlignedText> out) {
            AlignedText p = piece;
            if (addPrefixSpace && !p.isEmpty() && p.cps[0] != ' ') {
                p = p.prepend(" ");
            }
            List<AlignedText> words = new ArrayList<>();
            if (useRegex) {
                Split.split(p, GPT2_PATTERN.findAll(p.cps, p.length), Behavior.ISOLATED, false, words);
            } else if (!p.isEmpty()) {
                words.add(p);
            }
            for (AlignedText w : words) {
                out.add(ByteLevelAlphabet.encode(w));
            }
        }
    }

    /** A split on a regular expression or a literal string (compiled as a regex of that literal). */
    record Split(Regex pattern, Behavior behavior, boolean invert) implements PreTokenizer {
        @Override
        public void apply(AlignedText piece, List<AlignedText> out) {
            split(piece, pattern.findAll(piece.cps, piece.length), behavior, invert, out);
        }

        /**
         * Splits at the given matches ({@code start, end} pairs in code points, in order): the text is
         * cut into matches and the gaps between them, then the behavior decides what is kept and joined.
         */
        static void split(AlignedText piece, int[] matches, Behavior behavior, boolean invert, List<AlignedText> out) {
            if (piece.isEmpty()) {
                return;
            }
            // Pieces as triples start, end, isMatch.
            List<int[]> parts = new ArrayList<>();
            int last = 0;
            for (int m = 0; m < matches.length; m += 2) {
                if (last != matches[m]) {
                    parts.add(new int[] {last, matches[m], invert ? 1 : 0});
                }
                parts.add(new int[] {matches[m], matches[m + 1], invert ? 0 : 1});
                last = matches[m + 1];
            }
            if (last != piece.length) {
                parts.add(new int[] {last, piece.length, invert ? 1 : 0});
            }
            emit(piece, parts, behavior, out);
        }

        static void emit(AlignedText piece, List<int[]> parts, Behavior behavior, List<AlignedText> out) {
            List<int[]> kept = new ArrayList<>();
            switch (behavior) {
                case ISOLATED -> kept.addAll(parts);
                case REMOVED -> {
                    for (int[] p : parts) {
                        if (p[2] == 0) {
                            kept.add(p);
                        }
                    }
                }
                case CONTIGUOUS -> {
                    int previous = 0;
                    for (int[] p : parts) {
                        if (p[2] == previous && !kept.isEmpty()) {
                            kept.get(kept.size() - 1)[1] = p[1];
                        } else {
                            kept.add(p.clone());
                        }
                        previous = p[2];
                    }
                }
                case MERGED_WITH_PREVIOUS -> {
                    int previous = 0;
                    for (int[] p : parts) {
                        if (p[2] == 1 && previous == 0 && !kept.isEmpty()) {
                            kept.get(kept.size() - 1)[1] = p[1];
                        } else {
                            kept.add(p.clone());
                        }
                        previous = p[2];
                    }
                }
                case MERGED_WITH_NEXT -> {
                    int previous = 0;
                    for (int i = parts.size() - 1; i >= 0; i--) {
                        int[] p = parts.get(i);
                        if (p[2] == 1 && previous == 0 && !kept.isEmpty()) {
                            kept.get(kept.size() - 1)[0] = p[0];
                        } else {
                            kept.add(p.clone());
                        }
                        previous = p[2];
                    }
                    java.util.Collections.reverse(kept);
                }
            }
            for (int[] p : kept) {
                if (p[1] > p[0]) {
                    out.add(piece.slice(p[0], p[1]));
                }
            }
        }
    }

    /** Digits apart from the rest: each digit alone, or runs of digits together. */
    record Digits(boolean individualDigits) implements PreTokenizer {
        @Override
        public void apply(AlignedText piece, List<AlignedText> out) {
            // Rust's char::is_numeric: the general categories Nd, Nl and No (the JDK's tables).
            charSplit(piece, cp -> (GeneralCategory.bit(Character.getType(cp)) & GeneralCategory.NUMBER) != 0,
                    individualDigits ? Behavior.ISOLATED : Behavior.CONTIGUOUS, out);
        }
    }

    /**
     * SentencePiece's word boundaries: spaces become the replacement character ({@code ▁}), one is put in
     * front (always; only at the start of the text; or never) and the text splits before each.
     */
    record Metaspace(int replacement, PrependScheme prependScheme, boolean split) implements PreTokenizer {
        enum PrependScheme { ALWAYS, FIRST, NEVER }

        @Override
        public void apply(AlignedText piece, List<AlignedText> out) {
            AlignedText p = piece.replaceChar(' ', replacement);
            boolean prepend = switch (prependScheme) {
                case ALWAYS -> true;
                case FIRST -> p.originStart == 0;
                case NEVER -> false;
            };
            if (prepend && !p.isEmpty() && p.cps[0] != replacement) {
                p = p.prepend(Character.toString(replacement));
            }
            if (split) {
                charSplit(p, cp -> cp == replacement, Behavior.MERGED_WITH_NEXT, out);
            } else if (!p.isEmpty()) {
                out.add(p);
            }
        }
    }

    /** A split where every character satisfying {@code matches} is a match of its own. */
    static void charSplit(AlignedText piece, IntPredicate matches, Behavior behavior, List<AlignedText> out) {
        int[] spans = new int[piece.length * 2];
        int n = 0;
        for (int k = 0; k < piece.length; k++) {
            if (matches.test(piece.cps[k])) {
                spans[n++] = k;
                spans[n++] = k + 1;
            }
        }
        Split.split(piece, java.util.Arrays.copyOf(spans, n), behavior, false, out);
    }
}
