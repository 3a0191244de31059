package org.attentionsearch.corpus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.attentionsearch.testing.FuzzProperty;

/**
 * {@value HeadStatisticsJson#FILE}, as {@code serve --heads FILE} and an index directory hand it
 * over, on arbitrary bytes (see {@link FuzzProperty}): statistics of every head exactly once, or
 * one {@link CorpusException} naming the file.
 */
public class HeadStatisticsJsonFuzzTest {

    private static final Predicate<Throwable> CLEAR = e -> e instanceof CorpusException;

    @FuzzTest(maxDuration = "30s")
    void headStatistics(byte[] data) {
        headStatisticsTarget(data);
    }

    /** The bytes as a file read back; what is accepted is a whole grid of heads, in order. */
    public static void headStatisticsTarget(byte[] data) {
        FuzzProperty.check(data.length, CLEAR, () -> {
            Path file = Files.createTempFile("fuzz", ".json");
            try {
                Files.write(file, data);
                HeadStatisticsJson.Loaded loaded = HeadStatisticsJson.read(file);
                var heads = loaded.report().heads();
                if (heads.size() != loaded.layers() * loaded.heads()) throw new AssertionError("not a whole grid: " + heads.size());
                for (int i = 0; i < heads.size(); i++) {
                    if (heads.get(i).layer() != i / loaded.heads() || heads.get(i).head() != i % loaded.heads()) {
                        throw new AssertionError("head " + i + " out of order");
                    }
                }
            } finally {
                Files.delete(file);
            }
        });
    }
}
