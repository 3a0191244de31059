package org.attentionsearch.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.attentionsearch.model.Model;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.search.MathView;
import org.attentionsearch.search.MatrixNotKeptException;
import org.attentionsearch.search.ResultsPage;
import org.attentionsearch.search.SearchJson;
import org.attentionsearch.search.View;

/** The JSON API: {@code POST /api/analyze} and {@code GET /api/model}, as bytes in and bytes out. */
final class AnalyzeApi {

    /** Largest attention map side sent to the browser; longer texts are pooled (see AttentionMaps). */
    static final int MAX_MAP_CELLS = 128;
    /** Cells of all the maps of one answer together: 2^20, so at most about 6 MiB of JSON. */
    static final int MAX_ATTENTION_CELLS = 1 << 20;
    private static final int TOP_TERMS = 8;

    private final Model model;
    private final String modelName;
    private final AnalysisCache cache;
    private final Admission admission;
    private final ObjectMapper json;

    AnalyzeApi(Model model, String modelName, AnalysisCache cache, Admission admission) {
        this.model = model;
        this.modelName = modelName;
        this.cache = cache;
        this.admission = admission;
        // A key given twice is an error, not a silent "last one wins".
        this.json = new ObjectMapper(JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());
    }

    /**
     * A text whose analysis is kept answers at once: its pages are read from the kept trace and
     * no forward pass runs, so it takes no analysis slot and never waits behind new texts.
     */
    byte[] analyze(byte[] body) {
        AnalyzeRequest request = AnalyzeRequest.parse(parse(body), model.config());
        long t0 = System.nanoTime();
        Analysis kept = cache.kept(request.text());
        if (kept != null) return answer(request, new AnalysisCache.Hit(kept, true), t0);
        return admission.run(() -> answer(request, cache.get(request.text()), t0));
    }

    byte[] model(WebServer.Limits limits) {
        ModelConfig c = model.config();
        return write(g -> {
            g.writeStringField("model", modelName);
            g.writeStringField("architecture", c.modelType().label());
            g.writeStringField("family", c.modelType().id());
            g.writeBooleanField("decoder", c.decoder());
            g.writeNumberField("layers", c.layers());
            g.writeNumberField("heads", c.heads());
            g.writeNumberField("kvHeads", c.kvHeads());
            g.writeNumberField("hidden", c.hiddenSize());
            g.writeNumberField("headSize", c.headSize());
            g.writeNumberField("intermediate", c.intermediateSize());
            g.writeNumberField("vocabSize", c.vocabSize());
            g.writeNumberField("maxPositions", c.maxPositions());
            g.writeStringField("pooling", model.pooling().modeName());
            g.writeObjectFieldStart("limits");
            g.writeNumberField("bodyBytes", limits.bodyBytes());
            g.writeNumberField("textChars", AnalyzeRequest.MAX_TEXT_CHARS);
            g.writeEndObject();
        });
    }

    private JsonNode parse(byte[] body) {
        if (body.length == 0) throw ApiException.badRequest("the body is empty; send a JSON object such as {\"text\": \"…\"}");
        try (JsonParser p = json.createParser(body)) {
            JsonNode node = json.readTree(p);
            if (p.nextToken() != null) throw ApiException.badRequest("malformed JSON: extra content after the object");
            return node;
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("the body could not be read as JSON");
        }
    }

    private byte[] answer(AnalyzeRequest r, AnalysisCache.Hit hit, long t0) {
        Analysis a = hit.analysis();
        int n = a.length();
        if (r.query() != null) checkToken("query", r.query(), n);
        List<ResultsPage> pages;
        try { // a long text's streamed pages refuse what needs the whole matrices
            if (r.attention()) a.requireMatrices("the attention maps");
            pages = r.query() != null ? List.of(a.page(r.view(), r.query(), r.top())) : a.pages(r.view(), r.top());
        } catch (MatrixNotKeptException e) {
            throw new ApiException(413, e.getMessage());
        }
        MathView math = r.math() == null ? null : math(a, r);
        double millis = (System.nanoTime() - t0) / 1e6;
        return write(g -> {
            SearchJson.write(g, a, modelName, pages, math);
            if (a.dropped() > 0) {
                g.writeStringField("notice", "The text has " + (n + a.dropped()) + " tokens; the model takes "
                        + model.config().maxPositions() + ", so the last " + a.dropped() + " were dropped.");
            }
            g.writeBooleanField("cached", hit.cached());
            g.writeNumberField("elapsedMillis", Math.round(millis * 1000) / 1000.0);
            if (r.attention()) AttentionMaps.write(g, a, MAX_MAP_CELLS, MAX_ATTENTION_CELLS);
        });
    }

    /** Defaults: the page's query, the view's layer (the last for rollout) and head (0 for blends), the head's top key. */
    private MathView math(Analysis a, AnalyzeRequest r) {
        AnalyzeRequest.MathRequest m = r.math();
        int n = a.length();
        int query = m.query() != null ? m.query() : r.query() != null ? r.query() : 0;
        checkToken("math.query", query, n);
        View v = r.view();
        int layer = m.layer() != null ? m.layer() : v instanceof View.Rollout ? a.config().layers() - 1 : v.layer();
        int head = m.head() != null ? m.head() : v instanceof View.Head h ? h.head() : 0;
        int key;
        if (m.key() != null) {
            checkToken("math.key", m.key(), n);
            key = m.key();
        } else {
            key = a.page(new View.Head(layer, head), query, 1).results().getFirst().key().position();
        }
        try {
            return MathView.of(a, layer, head, query, key, TOP_TERMS);
        } catch (IllegalArgumentException e) { // a key the query cannot see
            throw ApiException.badRequest(e.getMessage());
        }
    }

    private static void checkToken(String field, int index, int n) {
        if (index >= n) {
            throw ApiException.badRequest("\"" + field + "\" is " + index + ", out of range 0.." + (n - 1)
                    + " (the text has " + n + " tokens)");
        }
    }

    interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    private byte[] write(Fields fields) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try (JsonGenerator g = json.getFactory().createGenerator(out)) {
            g.writeStartObject();
            fields.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** What the API holds now and at most so far, to check its bounds under load. */
    WebServer.Held held() {
        return new WebServer.Held(admission.peakRunning(), admission.peakWaiting(), cache.size(), cache.bytes());
    }

    /** {"error": message} */
    byte[] error(String message) {
        return write(g -> g.writeStringField("error", message));
    }
}
