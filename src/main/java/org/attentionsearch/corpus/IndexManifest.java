package org.attentionsearch.corpus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@value #FILE}: written last, when an index is whole, so that its presence is the completion
 * mark. It names the model (and its fingerprint), the indexed layers, the counts, and the Lucene
 * shards that together make the index ("." for an index built on one machine, one directory
 * per partition for one built by Spark).
 *
 * @param lines     lines of the corpus file read (blank ones included)
 * @param texts     documents indexed (non-blank lines)
 * @param tokens    token occurrences indexed
 * @param truncated documents cut to the model's positions
 */
public record IndexManifest(ModelFingerprint model, int[] layers, int layerCount, int heads, int hidden, boolean decoder,
                            long lines, long texts, long tokens, long truncated, String input, List<String> shards) {

    public static final String FILE = "corpus-index.json";
    /** 2: vectors held as unit directions (dot product) with their lengths stored; 1 held them whole (cosine). */
    static final int FORMAT = 2;

    private static final ObjectMapper JSON = new ObjectMapper();

    public void write(Path dir) {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", FORMAT);
        o.putObject("model").put("name", model.name()).put("fingerprint", model.digest());
        ArrayNode l = o.putArray("layers");
        for (int x : layers) l.add(x);
        o.put("layerCount", layerCount).put("heads", heads).put("hidden", hidden).put("decoder", decoder);
        o.put("lines", lines).put("texts", texts).put("tokens", tokens).put("truncated", truncated);
        o.put("input", input);
        ArrayNode s = o.putArray("shards");
        shards.forEach(s::add);
        try {
            // Written beside, then moved into place: a reader never sees half a manifest.
            Path tmp = dir.resolve(FILE + ".tmp");
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), o);
            Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CorpusException("cannot write " + dir.resolve(FILE) + ": " + e.getMessage());
        }
    }

    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(FILE));
    }

    public static IndexManifest read(Path dir) {
        Path file = dir.resolve(FILE);
        try {
            JsonNode o = JSON.readTree(file.toFile());
            if (o == null || !o.isObject() || !o.path("format").isInt()) throw new CorpusException(file + " is not a corpus index manifest");
            int format = o.path("format").asInt();
            if (format < FORMAT) {
                throw new CorpusException(dir + " holds an index of an earlier format (" + format + "), which this version cannot search; index the corpus again");
            }
            if (format > FORMAT) throw new CorpusException(dir + " holds an index of a later format (" + format + "); search it with the version that built it");
            JsonNode l = o.get("layers"), s = o.get("shards");
            if (l == null || !l.isArray() || s == null || !s.isArray() || s.isEmpty() || !o.path("model").path("fingerprint").isTextual()) {
                throw new CorpusException(file + " lacks its layers, shards or model fingerprint");
            }
            int[] layers = new int[l.size()];
            for (int i = 0; i < layers.length; i++) layers[i] = l.get(i).asInt();
            List<String> shards = new ArrayList<>();
            for (JsonNode x : s) {
                String name = x.asText();
                if (name.isEmpty() || name.contains("..") || Path.of(name).isAbsolute()) {
                    throw new CorpusException(file + " names a shard outside its directory: '" + name + "'");
                }
                shards.add(name);
            }
            return new IndexManifest(new ModelFingerprint(o.path("model").path("name").asText(), o.path("model").path("fingerprint").asText()),
                    layers, o.path("layerCount").asInt(), o.path("heads").asInt(), o.path("hidden").asInt(), o.path("decoder").asBoolean(),
                    o.path("lines").asLong(), o.path("texts").asLong(), o.path("tokens").asLong(), o.path("truncated").asLong(),
                    o.path("input").asText(), List.copyOf(shards));
        } catch (IOException e) {
            throw new CorpusException(file + " cannot be read as a corpus index manifest: " + firstLine(e.getMessage()));
        }
    }

    /** Whether layer L was indexed. */
    public boolean hasLayer(int layer) {
        for (int l : layers) if (l == layer) return true;
        return false;
    }

    /** The layers as "0, 3, 5". */
    public String layerList() {
        StringBuilder s = new StringBuilder();
        for (int l : layers) s.append(s.isEmpty() ? "" : ", ").append(l);
        return s.toString();
    }

    private static String firstLine(String s) {
        int nl = s == null ? -1 : s.indexOf('\n');
        return nl < 0 ? String.valueOf(s) : s.substring(0, nl);
    }
}
