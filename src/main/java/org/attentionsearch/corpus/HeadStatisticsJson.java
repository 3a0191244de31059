package org.attentionsearch.corpus;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.attentionsearch.search.FiniteJsonGenerator;

/**
 * The JSON of {@code heads --json} (docs/json.md): {"texts", "tokens", "model": {"name",
 * "fingerprint"}, "heads": [every head, layer by layer]}, an undefined statistic as null. The
 * same object is what {@code index} leaves beside its manifest as {@value #FILE}, what
 * {@code serve --heads FILE} reads back, and what the web app's heatmaps are drawn from.
 */
public final class HeadStatisticsJson {

    /** The corpus's head statistics in an index directory, written by {@code index} before its manifest. */
    public static final String FILE = "corpus-heads.json";

    /** The statistic fields of one head, in their order in docs/json.md. */
    public static final List<String> STATISTICS = List.of("effectiveResults", "previousToken", "duplicateToken", "firstToken",
            "specialTokens", "sinks", "valueShare", "induction");

    /** Files larger than this are refused unread: a model of 256 layers × 256 heads writes about 15 MB. */
    private static final long MAX_BYTES = 64L << 20;

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

    /**
     * Head statistics as read back.
     *
     * @param model  the model the file names, or null for a file that names none
     * @param layers the layers the heads cover (0 … layers−1)
     * @param heads  heads per layer
     */
    public record Loaded(CorpusHeads.Report report, ModelFingerprint model, int layers, int heads) {

        /**
         * Refuses, in one sentence naming the file, the statistics of another model: one of
         * another shape, or (when the file names its model) one with another fingerprint.
         */
        public void requireModel(Path file, ModelFingerprint served, int servedLayers, int servedHeads) {
            if (model != null && !model.sameModel(served)) {
                throw new CorpusException(file + " holds head statistics of another model (" + model.name() + ", fingerprint "
                        + model.digest() + ") than " + served.name() + " (" + served.digest() + ")");
            }
            if (layers != servedLayers || heads != servedHeads) {
                throw new CorpusException(file + " holds head statistics of " + shape(layers, heads) + ", but "
                        + served.name() + " has " + shape(servedLayers, servedHeads));
            }
        }
    }

    private HeadStatisticsJson() {
    }

    /** Writes the fields into an open object: texts, tokens, model (when known), heads. */
    public static void writeFields(JsonGenerator g, CorpusHeads.Report report, ModelFingerprint model) throws IOException {
        g.writeNumberField("texts", report.texts());
        g.writeNumberField("tokens", report.tokens());
        if (model != null) {
            g.writeObjectFieldStart("model");
            g.writeStringField("name", model.name());
            g.writeStringField("fingerprint", model.digest());
            g.writeEndObject();
        }
        g.writeArrayFieldStart("heads");
        for (HeadStatistics h : report.heads()) {
            g.writeStartObject();
            g.writeNumberField("layer", h.layer());
            g.writeNumberField("head", h.head());
            double[] values = values(h);
            for (int s = 0; s < values.length; s++) {
                if (Double.isNaN(values[s])) g.writeNullField(STATISTICS.get(s));
                else g.writeNumberField(STATISTICS.get(s), values[s]);
            }
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** The whole object, compact. */
    public static byte[] bytes(CorpusHeads.Report report, ModelFingerprint model) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + 300 * report.heads().size());
        try (JsonGenerator g = new FiniteJsonGenerator(JSON.getFactory().createGenerator(out))) {
            g.writeStartObject();
            writeFields(g, report, model);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Writes {@value #FILE} into {@code dir}, beside and then moved into place, so a reader never sees half of it. */
    public static void write(Path dir, CorpusHeads.Report report, ModelFingerprint model) {
        Path tmp = dir.resolve(FILE + ".tmp");
        try {
            Files.write(tmp, bytes(report, model));
            Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CorpusException("cannot write " + dir.resolve(FILE) + ": " + e.getMessage());
        }
    }

    /** A head's statistics in the order of {@link #STATISTICS}. */
    public static double[] values(HeadStatistics h) {
        return new double[] {h.effectiveResults(), h.previousToken(), h.duplicateToken(), h.firstToken(), h.specialTokens(), h.sinks(),
                h.valueShare(), h.induction()};
    }

    /**
     * Reads head statistics back; refuses, in one sentence naming the file, anything but the
     * object above with every head of layers 0 … L−1 × heads 0 … H−1 exactly once.
     */
    public static Loaded read(Path file) {
        JsonNode o;
        try {
            if (!Files.isRegularFile(file)) throw new CorpusException("cannot read " + file + ": no such file");
            if (Files.size(file) == 0) throw bad(file, "is empty");
            if (Files.size(file) > MAX_BYTES) throw bad(file, "is larger than head statistics ever are (" + (MAX_BYTES >> 20) + " MB)");
            try (JsonParser p = JSON.createParser(file.toFile())) {
                o = JSON.readTree(p);
                if (p.nextToken() != null) throw bad(file, "has more after its JSON object");
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw bad(file, "is not valid JSON (" + oneLine(e.getOriginalMessage()) + ")");
        } catch (IOException e) {
            throw new CorpusException("cannot read " + file + ": " + oneLine(e.getMessage()));
        }
        if (o == null || !o.isObject()) throw bad(file, "is not a JSON object");
        long texts = count(file, o, "texts"), tokens = count(file, o, "tokens");
        ModelFingerprint model = null;
        JsonNode m = o.get("model");
        if (m != null && !m.isNull()) {
            if (!m.isObject() || !m.path("fingerprint").isTextual()) throw bad(file, "has a \"model\" without its \"fingerprint\"");
            model = new ModelFingerprint(m.path("name").asText(""), m.get("fingerprint").textValue());
        }
        JsonNode list = o.get("heads");
        if (list == null || !list.isArray() || list.isEmpty()) throw bad(file, "has no \"heads\" array of head statistics");
        int layers = 0, heads = 0;
        List<HeadStatistics> read = new ArrayList<>(list.size());
        for (JsonNode h : list) {
            if (!h.isObject()) throw bad(file, "has a \"heads\" entry that is not an object");
            int layer = index(file, h, "layer"), head = index(file, h, "head");
            double[] v = new double[STATISTICS.size()];
            for (int s = 0; s < v.length; s++) {
                JsonNode x = h.get(STATISTICS.get(s));
                if (x == null) throw bad(file, "lacks \"" + STATISTICS.get(s) + "\" for layer " + layer + " head " + head);
                if (x.isNull()) v[s] = Double.NaN;
                else if (x.isNumber() && Double.isFinite(x.doubleValue())) v[s] = x.doubleValue();
                else throw bad(file, "has a \"" + STATISTICS.get(s) + "\" that is not a number or null for layer " + layer + " head " + head);
            }
            read.add(new HeadStatistics(layer, head, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]));
            layers = Math.max(layers, layer + 1);
            heads = Math.max(heads, head + 1);
        }
        // Every (layer, head) once: then the count is layers × heads, and the list can be put in order.
        if ((long) layers * heads != read.size()) {
            throw bad(file, "does not hold every head of " + shape(layers, heads) + " exactly once");
        }
        HeadStatistics[] grid = new HeadStatistics[layers * heads];
        for (HeadStatistics h : read) {
            int at = h.layer() * heads + h.head();
            if (grid[at] != null) throw bad(file, "holds layer " + h.layer() + " head " + h.head() + " twice");
            grid[at] = h;
        }
        return new Loaded(new CorpusHeads.Report(texts, tokens, List.of(grid)), model, layers, heads);
    }

    /** The statistics in an index directory, if its {@code index} run wrote them. */
    public static java.util.Optional<Loaded> ofIndex(Path dir) {
        Path file = dir.resolve(FILE);
        return Files.isRegularFile(file) ? java.util.Optional.of(read(file)) : java.util.Optional.empty();
    }

    private static long count(Path file, JsonNode o, String field) {
        JsonNode x = o.get(field);
        if (x == null || !x.canConvertToLong() || !x.isIntegralNumber() || x.longValue() < 0) {
            throw bad(file, "lacks \"" + field + "\", a count of 0 or more");
        }
        return x.longValue();
    }

    /** A layer or head number: 0 … 65535. */
    private static int index(Path file, JsonNode h, String field) {
        JsonNode x = h.get(field);
        if (x == null || !x.isIntegralNumber() || !x.canConvertToInt() || x.intValue() < 0 || x.intValue() > 65535) {
            throw bad(file, "has a \"heads\" entry without a \"" + field + "\" number from 0");
        }
        return x.intValue();
    }

    private static String shape(int layers, int heads) {
        return layers + (layers == 1 ? " layer × " : " layers × ") + heads + (heads == 1 ? " head" : " heads");
    }

    private static CorpusException bad(Path file, String problem) {
        return new CorpusException(file + " is not the JSON of heads --json: it " + problem);
    }

    private static String oneLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
