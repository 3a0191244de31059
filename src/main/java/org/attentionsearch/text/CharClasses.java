package org.attentionsearch.text;

import java.text.Normalizer;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The character predicates the BERT normalizer and pre-tokenizer are defined by, with the
 * exact definitions of the Hugging Face implementation (Rust {@code char} methods plus the
 * frozen category tables in {@link UnicodeTables}). ASCII is answered without a table lookup.
 */
final class CharClasses {
    private CharClasses() {}

    /** Marker for "no canonical decomposition" in the decomposition cache. */
    private static final int[] NO_DECOMPOSITION = new int[0];
    /** Lazily filled; racing writers store equal values, so no locking is needed. */
    private static final int[][] BMP_DECOMPOSITIONS = new int[0x10000][];
    private static final ConcurrentHashMap<Integer, int[]> SUPPLEMENTARY_DECOMPOSITIONS = new ConcurrentHashMap<>();

    /** Rust's {@code char::is_whitespace}: the Unicode White_Space property. */
    static boolean isWhitespace(int c) {
        if (c < 0x80) {
            return c == ' ' || (c >= 0x09 && c <= 0x0D);
        }
        return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A)
                || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
    }

    /** Cc, Cf or Co: what the BERT cleaner calls a control character (tab, LF and CR are whitespace instead). */
    static boolean isOther(int c) {
        if (c < 0x80) {
            return c < 0x20 || c == 0x7F;
        }
        return UnicodeTables.inRanges(UnicodeTables.OTHER, c);
    }

    /** Rust's {@code is_ascii_punctuation} (which includes ASCII symbols like $ + < = > ^ ` | ~) or a P* category. */
    static boolean isPunctuation(int c) {
        if (c < 0x80) {
            return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
        }
        return UnicodeTables.inRanges(UnicodeTables.PUNCTUATION, c);
    }

    /** Mn: the marks removed when stripping accents. */
    static boolean isNonspacingMark(int c) {
        return c >= 0x300 && UnicodeTables.inRanges(UnicodeTables.NONSPACING_MARK, c);
    }

    /** The CJK ideograph blocks, exactly as the BERT normalizer lists them (not all of CJK). */
    static boolean isChineseChar(int c) {
        return (c >= 0x4E00 && c <= 0x9FFF)
                || (c >= 0x3400 && c <= 0x4DBF)
                || (c >= 0x20000 && c <= 0x2A6DF)
                || (c >= 0x2A700 && c <= 0x2B73F)
                || (c >= 0x2B740 && c <= 0x2B81F)
                || (c >= 0x2B920 && c <= 0x2CEAF)
                || (c >= 0xF900 && c <= 0xFAFF)
                || (c >= 0x2F800 && c <= 0x2FA1F);
    }

    /** Canonical combining class; 0 for starters. */
    static int combiningClass(int c) {
        return c < 0x300 ? 0 : UnicodeTables.valueIn(UnicodeTables.CCC_RANGES, c, 0);
    }

    /**
     * The full canonical decomposition of one code point, or {@code null} if it has none.
     * Java's tables are used, minus the few decompositions added after Unicode 9.0.
     */
    static int[] decomposition(int c) {
        if (c < 0xC0) {
            return null;
        }
        int[] d;
        if (c < 0x10000) {
            d = BMP_DECOMPOSITIONS[c];
            if (d == null) {
                d = computeDecomposition(c);
                BMP_DECOMPOSITIONS[c] = d;
            }
        } else {
            d = SUPPLEMENTARY_DECOMPOSITIONS.computeIfAbsent(c, CharClasses::computeDecomposition);
        }
        return d == NO_DECOMPOSITION ? null : d;
    }

    private static int[] computeDecomposition(int c) {
        if ((c >= 0xD800 && c <= 0xDFFF) || Arrays.binarySearch(UnicodeTables.NFD_EXCLUDED, c) >= 0) {
            return NO_DECOMPOSITION;
        }
        String s = Character.toString(c);
        String d = Normalizer.normalize(s, Normalizer.Form.NFD);
        return d.equals(s) ? NO_DECOMPOSITION : d.codePoints().toArray();
    }

    /**
     * Canonical ordering: a stable sort of {@code [from, to)} by combining class, each character's value
     * and change moving with it (insertion sort: runs of marks are short).
     */
    static void sortByClass(int[] values, int[] changes, int[] classes, int from, int to) {
        for (int i = from + 1; i < to; i++) {
            int c = classes[i];
            if (classes[i - 1] <= c) {
                continue;
            }
            int value = values[i];
            int change = changes[i];
            int j = i - 1;
            while (j >= from && classes[j] > c) {
                values[j + 1] = values[j];
                changes[j + 1] = changes[j];
                classes[j + 1] = classes[j];
                j--;
            }
            values[j + 1] = value;
            changes[j + 1] = change;
            classes[j + 1] = c;
        }
    }

    /**
     * Appends Rust's {@code char::to_lowercase} of {@code c} to {@code out} and returns how many code
     * points it wrote (1 or 2). It differs from {@link Character#toLowerCase(int)} only for U+0130,
     * whose full lowercase mapping is two code points.
     */
    static int lowercase(int c, int[] out, int at) {
        if (c == 0x130) {
            out[at] = 'i';
            out[at + 1] = 0x307;
            return 2;
        }
        out[at] = c < 0x80 ? (c >= 'A' && c <= 'Z' ? c + 32 : c) : Character.toLowerCase(c);
        return 1;
    }
}
