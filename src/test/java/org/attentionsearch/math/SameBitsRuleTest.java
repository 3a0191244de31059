package org.attentionsearch.math;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * No source uses the Vector API's operations whose results depend on whether the code runs
 * interpreted or compiled: a float or double ADD or MUL reduction (its order is unspecified), or a
 * transcendental lanewise operation (compiled, a native routine that rounds otherwise). Sums of
 * lanes go through {@link Lanes}; see {@code InterpretedAndCompiledTest} for the bits themselves.
 */
class SameBitsRuleTest {

    private static final Pattern FORBIDDEN = Pattern.compile(
            "reduceLanes\\((VectorOperators\\.)?(ADD|MUL)\\b|VectorOperators\\.(EXP|EXPM1|LOG|LOG1P|LOG10|TANH|SINH|COSH|SIN|COS|TAN"
                    + "|ASIN|ACOS|ATAN|ATAN2|CBRT|POW|HYPOT)\\b");

    @Test
    void noKernelLeavesItsRoundingToTheJit() throws IOException {
        List<String> found;
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            found = files.filter(p -> p.toString().endsWith(".java")).flatMap(SameBitsRuleTest::uses).toList();
        }
        assertEquals(List.of(), found);
    }

    private static Stream<String> uses(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return java.util.stream.IntStream.range(0, lines.size())
                    .filter(i -> !lines.get(i).trim().startsWith("*") && FORBIDDEN.matcher(lines.get(i)).find())
                    .mapToObj(i -> file + ":" + (i + 1) + ": " + lines.get(i).trim());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
