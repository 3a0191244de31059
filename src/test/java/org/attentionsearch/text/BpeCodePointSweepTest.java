package org.attentionsearch.text;

import java.util.ArrayList;
import java.util.List;
import org.attentionsearch.testing.Vocabulary;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every code point (all of planes 0 and 1, the tags and variation selectors, and a sample of the rest)
 * against Hugging Face, alone and in contexts that show how the split patterns classify it: between
 * letters, after a space and doubled before a digit, after an apostrophe and before a newline. This is
 * how the Unicode version of the reference's regex classes ({@code \s}, {@code \p{L}}, {@code \p{N}})
 * and of its NFC were pinned.
 */
class BpeCodePointSweepTest {

    @ParameterizedTest
    @EnumSource(Vocabulary.class)
    void everyCodePointMatchesReference(Vocabulary v) throws Exception {
        List<String> lines = new ArrayList<>();
        StringBuilder s = new StringBuilder();
        for (int cp = 0; cp < 0x110000; cp++) {
            // Planes 2 and 3 hold only CJK ideographs (one class throughout): every 17th suffices there.
            boolean sampled = cp < 0x20000 || (cp < 0x32000 && cp % 17 == 0) || (cp >= 0xE0000 && cp < 0xE1000)
                    || cp % 4099 == 0 || cp > 0x10FFF0;
            if (!sampled || (cp >= 0xD800 && cp <= 0xDFFF)) {
                continue;
            }
            String c = Character.toString(cp);
            s.append('x').append(c).append("y ").append(c).append(c).append("1'").append(c).append('\n');
            if (s.length() > 600) {
                lines.add(s.toString());
                s.setLength(0);
            }
        }
        lines.add(s.toString());
        BpeReferenceTest.assertMatches(v, v.ours(), lines, "sweep line ");
    }
}
