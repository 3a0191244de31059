package org.attentionsearch.search;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The JSON form of an analysis, shared by {@code explain --json} and the web API
 * (schema in docs/json.md). Numbers that a view does not define (a blend's score) are null.
 */
public final class SearchJson {

    private SearchJson() {
    }

    /** Writes the fields of one analysis object (the caller opens and closes the object). */
    public static void write(JsonGenerator g, Analysis a, String modelName, List<ResultsPage> pages,
                             MathView math) throws IOException {
        g.writeStringField("text", a.text());
        g.writeStringField("model", modelName);
        g.writeNumberField("layers", a.config().layers());
        g.writeNumberField("heads", a.config().heads());
        g.writeNumberField("kvHeads", a.config().kvHeads());
        g.writeBooleanField("causal", a.config().decoder());
        g.writeNumberField("truncatedTokens", a.dropped());
        g.writeBooleanField("streamedPages", a.streamed());
        g.writeNumberField("forwardMillis", round(a.forwardMillis(), 3));
        g.writeArrayFieldStart("tokens");
        for (TokenRef t : a.tokens()) writeToken(g, t);
        g.writeEndArray();
        g.writeArrayFieldStart("pages");
        for (ResultsPage p : pages) writePage(g, p);
        g.writeEndArray();
        if (math != null) {
            g.writeFieldName("math");
            writeMath(g, math);
        }
    }

    public static void writeToken(JsonGenerator g, TokenRef t) throws IOException {
        g.writeStartObject();
        g.writeNumberField("id", t.id());
        g.writeStringField("text", t.text());
        if (t.hasSpan()) {
            g.writeNumberField("start", t.start());
            g.writeNumberField("end", t.end());
        } else {
            g.writeNullField("start");
            g.writeNullField("end");
        }
        g.writeEndObject();
    }

    public static void writePage(JsonGenerator g, ResultsPage p) throws IOException {
        g.writeStartObject();
        g.writeNumberField("query", p.query().position());
        if (p.view() instanceof View.Rollout) g.writeNullField("layer");
        else g.writeNumberField("layer", p.view().layer());
        Object head = p.view().headName();
        if (head instanceof Integer h) g.writeNumberField("head", h);
        else g.writeStringField("head", (String) head);
        g.writeStringField("measure", p.view().measure());
        g.writeNumberField("keys", p.keys());
        number(g, "effectiveResults", p.effectiveResults());
        number(g, "coveredWeight", p.coveredWeight());
        if (p.renormalised()) writeSinksLeftOut(g, p.sinksLeftOut());
        g.writeArrayFieldStart("results");
        for (Result r : p.results()) {
            g.writeStartObject();
            g.writeNumberField("key", r.key().position());
            g.writeNumberField("rank", r.rank());
            number(g, "weight", r.weight());
            number(g, "score", r.score());
            number(g, "valueNorm", r.valueNorm());
            number(g, "valueShare", r.valueShare());
            if (Sinks.marks(p.view())) g.writeBooleanField("sink", r.sink());
            else g.writeNullField("sink");
            g.writeObjectFieldStart("snippet");
            g.writeStringField("before", r.snippet().before());
            g.writeStringField("match", r.snippet().match());
            g.writeStringField("after", r.snippet().after());
            g.writeEndObject();
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    /** {"keys": [positions], "weight": m}: the sinks a renormalised page left out. */
    private static void writeSinksLeftOut(JsonGenerator g, ResultsPage.SinksLeftOut s) throws IOException {
        g.writeObjectFieldStart("sinksLeftOut");
        g.writeArrayFieldStart("keys");
        for (TokenRef t : s.keys()) g.writeNumber(t.position());
        g.writeEndArray();
        number(g, "weight", s.weight());
        g.writeEndObject();
    }

    public static void writeMath(JsonGenerator g, MathView m) throws IOException {
        writeMath(g, m, null);
    }

    /** The math, with how its head was chosen ("headChoice", when not null) after the head. */
    public static void writeMath(JsonGenerator g, MathView m, String headChoice) throws IOException {
        g.writeStartObject();
        g.writeNumberField("query", m.query().position());
        g.writeNumberField("key", m.key().position());
        g.writeNumberField("layer", m.layer());
        g.writeNumberField("head", m.head());
        if (headChoice != null) g.writeStringField("headChoice", headChoice);
        g.writeNumberField("kvHead", m.kvHead());
        floats(g, "q", m.q());
        floats(g, "k", m.k());
        floats(g, "v", m.v());
        number(g, "dot", m.dot());
        g.writeArrayFieldStart("terms");
        for (MathView.Term t : m.terms()) {
            g.writeStartObject();
            g.writeNumberField("dimension", t.dimension());
            number(g, "q", t.query());
            number(g, "k", t.key());
            number(g, "product", t.product());
            g.writeEndObject();
        }
        g.writeEndArray();
        number(g, "scale", m.scale());
        number(g, "score", m.score());
        number(g, "rowMax", m.rowMax());
        number(g, "shiftedExp", m.shiftedExp());
        number(g, "rowSum", m.rowSum());
        number(g, "weight", m.weight());
        floats(g, "contribution", m.contribution());
        neighbours(g, "nearestToContribution", m.nearestToContribution());
        floats(g, "headOutput", m.headOutput());
        floats(g, "layerOutput", m.layerOutput());
        g.writeArrayFieldStart("sight");
        for (MathView.LayerSight s : m.sight()) {
            g.writeStartObject();
            g.writeNumberField("layer", s.layer());
            number(g, "selfSimilarity", s.selfSimilarity());
            neighbours(g, "resembles", s.resembles());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    /**
     * What a decoder expects after one position: {"position", "predictions": [{id, text, logit,
     * probability}], "lens": [{"layer", "predictions"}]} (the lens empty when not asked for).
     */
    public static void writeNext(JsonGenerator g, NextTokens.Position p) throws IOException {
        g.writeStartObject();
        g.writeNumberField("position", p.position());
        predictions(g, "predictions", p.predictions());
        g.writeArrayFieldStart("lens");
        for (NextTokens.LayerPredictions l : p.lens()) {
            g.writeStartObject();
            g.writeNumberField("layer", l.layer());
            predictions(g, "predictions", l.predictions());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    public static void predictions(JsonGenerator g, String field, List<NextTokens.Prediction> list) throws IOException {
        g.writeArrayFieldStart(field);
        for (NextTokens.Prediction p : list) {
            g.writeStartObject();
            g.writeNumberField("id", p.id());
            g.writeStringField("text", p.text());
            number(g, "logit", p.logit());
            number(g, "probability", p.probability());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /**
     * "Which heads make X find Y?": {"query", "key", "heads": [{"layer", "head", "weight", "score",
     * "valueNorm", "rank", "pageRank"}]}, every head heaviest first (rank 1 = the most weight from X to Y).
     */
    public static void writeHeads(JsonGenerator g, HeadSearch.Page p) throws IOException {
        g.writeNumberField("query", p.query().position());
        g.writeNumberField("key", p.key().position());
        g.writeArrayFieldStart("heads");
        for (HeadSearch.Hit h : p.heads()) {
            g.writeStartObject();
            g.writeNumberField("layer", h.layer());
            g.writeNumberField("head", h.head());
            number(g, "weight", h.weight());
            number(g, "score", h.score());
            number(g, "valueNorm", h.valueNorm());
            g.writeNumberField("rank", h.rank());
            g.writeNumberField("pageRank", h.pageRank());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /**
     * Two tokens' meanings layer by layer: {"a": position, "b": position, "layers": [{"layer", "cosine"}]},
     * layer null for the input embeddings, then each layer's output.
     */
    public static void writeComparison(JsonGenerator g, MeaningComparison.Comparison c) throws IOException {
        g.writeNumberField("a", c.a().position());
        g.writeNumberField("b", c.b().position());
        g.writeArrayFieldStart("layers");
        for (MeaningComparison.Layer l : c.layers()) {
            g.writeStartObject();
            if (l.layer() < 0) g.writeNullField("layer");
            else g.writeNumberField("layer", l.layer());
            number(g, "cosine", l.cosine());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** A page read back from its JSON form; for programs and for checking the schema round-trips. */
    public record PageData(int query, Integer layer, Object head, int keys, double effectiveResults,
                           double coveredWeight, List<ResultData> results, SinksLeftOutData sinksLeftOut) {
    }

    /** @param sink null where the view marks no sinks (rollout) */
    public record ResultData(int key, int rank, double weight, Double score, Double valueNorm, Double valueShare,
                             Boolean sink) {
    }

    /** The sinks a renormalised page left out; null on a page as the model computed it. */
    public record SinksLeftOutData(List<Integer> keys, double weight) {
    }

    public static PageData readPage(JsonNode node) {
        List<ResultData> results = new ArrayList<>();
        for (JsonNode r : node.get("results")) {
            results.add(new ResultData(r.get("key").asInt(), r.get("rank").asInt(), r.get("weight").asDouble(),
                    optional(r, "score"), optional(r, "valueNorm"), optional(r, "valueShare"),
                    r.get("sink").isNull() ? null : r.get("sink").asBoolean()));
        }
        SinksLeftOutData left = null;
        JsonNode out = node.get("sinksLeftOut");
        if (out != null) {
            List<Integer> keys = new ArrayList<>();
            for (JsonNode k : out.get("keys")) keys.add(k.asInt());
            left = new SinksLeftOutData(List.copyOf(keys), out.get("weight").asDouble());
        }
        JsonNode head = node.get("head");
        return new PageData(node.get("query").asInt(),
                node.get("layer").isNull() ? null : node.get("layer").asInt(),
                head.isNumber() ? (Object) head.asInt() : head.asText(),
                node.get("keys").asInt(), node.get("effectiveResults").asDouble(),
                node.get("coveredWeight").asDouble(), List.copyOf(results), left);
    }

    private static Double optional(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asDouble();
    }

    private static void neighbours(JsonGenerator g, String field, List<Neighbour> list) throws IOException {
        g.writeArrayFieldStart(field);
        for (Neighbour n : list) {
            g.writeStartObject();
            g.writeNumberField("id", n.id());
            g.writeStringField("token", n.token());
            if (n.position() >= 0) g.writeNumberField("position", n.position());
            number(g, "cosine", n.cosine());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void floats(JsonGenerator g, String field, float[] v) throws IOException {
        g.writeArrayFieldStart(field);
        for (float x : v) g.writeNumber(x);
        g.writeEndArray();
    }

    /** Writes a number, or null where it is not defined (NaN); an infinity is no result and is refused. */
    private static void number(JsonGenerator g, String field, double v) throws IOException {
        if (Double.isInfinite(v)) throw new IllegalStateException(field + " is " + v + ", which JSON cannot hold");
        if (Double.isNaN(v)) g.writeNullField(field);
        else g.writeNumberField(field, v);
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
