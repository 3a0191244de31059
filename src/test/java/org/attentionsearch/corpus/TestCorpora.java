package org.attentionsearch.corpus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small corpora for the corpus tests: seeded sentences from a few word lists, with the odd blank line. */
final class TestCorpora {

    private static final String[] SUBJECTS = {"The farmer", "A sailor", "My neighbour", "The old judge", "Her brother", "The bank clerk",
            "A young doctor", "The mayor", "Our teacher", "The fisherman"};
    private static final String[] VERBS = {"walked to", "sat by", "painted", "sold", "waited at", "looked at", "cleaned", "visited",
            "forgot", "found"};
    private static final String[] OBJECTS = {"the river bank", "the savings bank", "the green field", "the little church",
            "the busy market", "the stone bridge", "the harbour", "the school", "the bakery", "the quiet station"};
    private static final String[] ENDINGS = {"before dawn.", "in the rain.", "after lunch.", "with a friend.", "on Sunday.",
            "for an hour.", "again and again.", "without a word."};

    private TestCorpora() {
    }

    /** {@code lines} seeded sentences, one per line; every seventh line is blank. */
    static List<String> sentences(int lines, long seed) {
        Random r = new Random(seed);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < lines; i++) {
            if (i % 7 == 6) {
                out.add("");
                continue;
            }
            out.add(SUBJECTS[r.nextInt(SUBJECTS.length)] + " " + VERBS[r.nextInt(VERBS.length)] + " "
                    + OBJECTS[r.nextInt(OBJECTS.length)] + " " + ENDINGS[r.nextInt(ENDINGS.length)]);
        }
        return out;
    }

    static Path write(Path file, List<String> lines) {
        try {
            Files.write(file, lines);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
