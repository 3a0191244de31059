package org.attentionsearch.text;

import java.text.Normalizer;
import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Unicode NFC as Hugging Face's NFC normalizer computes it: with the Unicode 9.0 data of its
 * normalization crate (decompositions and combining classes from {@link CharClasses}), and with its
 * alignment rule. Every output character carries a "change": 0 replaces the next input character, a
 * positive one is inserted (a decomposition's second part), a negative one replaces the next input
 * character and removes that many after it (a composition). Alignments follow position, not identity:
 * a composed character keeps the span of the first character it consumed.
 */
final class Nfc {
    private Nfc() {}

    /** Code points that end some canonical decomposition: the only possible second part of a composition. */
    private static volatile BitSet secondParts;
    private static final ConcurrentHashMap<Long, Integer> COMPOSITIONS = new ConcurrentHashMap<>();
    private static final int NONE = -1;

    static AlignedText normalize(AlignedText in) {
        int n = in.length;
        // Stage 1: canonical decomposition, then each run of non-starters stably sorted by combining class.
        int[] cps = new int[n + 8];
        int[] changes = new int[n + 8];
        int[] classes = new int[n + 8];
        int m = 0;
        for (int k = 0; k < n; k++) {
            int[] d = CharClasses.decomposition(in.cps[k]);
            int len = d == null ? 1 : d.length;
            if (m + len > cps.length) {
                int size = Math.max(cps.length * 2, m + len);
                cps = Arrays.copyOf(cps, size);
                changes = Arrays.copyOf(changes, size);
                classes = Arrays.copyOf(classes, size);
            }
            for (int j = 0; j < len; j++) {
                int cp = d == null ? in.cps[k] : d[j];
                cps[m] = cp;
                changes[m] = j == 0 ? 0 : 1;
                classes[m++] = CharClasses.combiningClass(cp);
            }
        }
        sortMarks(cps, changes, classes, m);

        // Stage 2: canonical composition, carrying the changes (a composition adds the parts' changes, minus one).
        int[] outCps = new int[m];
        int[] outChanges = new int[m];
        int out = 0;
        int composee = NONE;
        int composeeChange = 0;
        int lastClass = -1;                 // -1: nothing since the composee
        int[] pendingCps = new int[8];      // blocked or uncomposed marks after the composee
        int[] pendingChanges = new int[8];
        int pending = 0;
        for (int j = 0; j < m; j++) {
            int ch = cps[j];
            int change = changes[j];
            int cls = classes[j];
            if (composee == NONE) {
                if (cls != 0) {
                    outCps[out] = ch;
                    outChanges[out++] = change;
                    continue;
                }
                composee = ch;
                composeeChange = change;
                continue;
            }
            if (lastClass < 0 || lastClass < cls) {
                int r = compose(composee, ch);
                if (r != NONE) {
                    composee = r;
                    composeeChange += change - 1;
                    continue;
                }
            }
            if (cls == 0) {
                // A new starter: flush the composee and what was held back after it.
                outCps[out] = composee;
                outChanges[out++] = composeeChange;
                for (int q = 0; q < pending; q++) {
                    outCps[out] = pendingCps[q];
                    outChanges[out++] = pendingChanges[q];
                }
                pending = 0;
                composee = ch;
                composeeChange = change;
                lastClass = -1;
                continue;
            }
            if (pending == pendingCps.length) {
                pendingCps = Arrays.copyOf(pendingCps, pending * 2);
                pendingChanges = Arrays.copyOf(pendingChanges, pending * 2);
            }
            pendingCps[pending] = ch;
            pendingChanges[pending++] = change;
            lastClass = cls;
        }
        if (composee != NONE) {
            outCps[out] = composee;
            outChanges[out++] = composeeChange;
        }
        for (int q = 0; q < pending; q++) {
            outCps[out] = pendingCps[q];
            outChanges[out++] = pendingChanges[q];
        }

        // Stage 3: alignments by position in the input.
        AlignedText t = new AlignedText(out, in.originStart);
        int cursor = 0;
        for (int j = 0; j < out; j++) {
            int change = outChanges[j];
            if (change > 0) {
                if (cursor == 0) {
                    t.add(outCps[j], in.originStart, in.originStart);
                } else {
                    t.add(outCps[j], in.starts[cursor - 1], in.ends[cursor - 1]);
                }
            } else {
                t.add(outCps[j], in.starts[cursor], in.ends[cursor]);
                cursor += 1 - change;
            }
        }
        return t;
    }

    /** Stable sort of each run of non-starters by combining class. */
    private static void sortMarks(int[] cps, int[] changes, int[] classes, int m) {
        int j = 0;
        while (j < m) {
            if (classes[j] == 0) {
                j++;
                continue;
            }
            int start = j;
            while (j < m && classes[j] != 0) {
                j++;
            }
            CharClasses.sortByClass(cps, changes, classes, start, j);
        }
    }

    /** The primary composite of {@code a} followed by {@code b} in Unicode 9.0, or {@link #NONE}. */
    static int compose(int a, int b) {
        if (!secondParts().get(b)) {
            return NONE;
        }
        long key = ((long) a << 21) | b;
        Integer r = COMPOSITIONS.get(key);
        if (r == null) {
            r = NONE;
            String s = Normalizer.normalize(new StringBuilder().appendCodePoint(a).appendCodePoint(b), Normalizer.Form.NFC);
            int c = s.codePointAt(0);
            if (Character.charCount(c) == s.length() && CharClasses.decomposition(c) != null) {
                r = c;
            }
            COMPOSITIONS.put(key, r);
        }
        return r;
    }

    private static BitSet secondParts() {
        BitSet s = secondParts;
        if (s == null) {
            s = new BitSet(0x30000);
            for (int c = 0xC0; c < 0x30000; c++) {
                int[] d = CharClasses.decomposition(c);
                if (d != null && d.length > 1) {
                    s.set(d[d.length - 1]);
                }
            }
            s.set(0x1161, 0x1176); // Hangul vowels and trailing consonants compose algorithmically
            s.set(0x11A8, 0x11C3);
            secondParts = s;
        }
        return s;
    }
}
