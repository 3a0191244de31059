package org.attentionsearch.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import org.attentionsearch.model.Model;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.search.MathView;
import org.attentionsearch.search.MatrixNotKeptException;
import org.attentionsearch.search.NextTokens;
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
    /** Next-token predictions shown after the query, and per layer of the logit lens. */
    private static final int TOP_NEXT = 5;

    private final Model model;
    private final String id;
    private final String modelName;
    private final AnalysisCache cache;
    private final Admission admission;

    AnalyzeApi(ServedModel served, AnalysisCache cache, Admission admission) {
        this.model = served.model();
        this.id = served.id();
        this.modelName = served.name();
        this.cache = cache;
        this.admission = admission;
    }

    /**
     * A text whose analysis is kept answers at once: its pages are read from the kept trace and
     * no forward pass runs, so it takes no analysis slot and never waits behind new texts.
     */
    byte[] analyze(byte[] body) {
        return analyze(JsonBody.parse(body));
    }

    byte[] analyze(JsonNode body) {
        AnalyzeRequest request = AnalyzeRequest.parse(body, model.config());
        long t0 = System.nanoTime();
        Analysis kept = cache.kept(request.text());
        if (kept != null) return answer(request, new AnalysisCache.Hit(kept, true), t0);
        return admission.run(() -> answer(request, cache.get(request.text()), t0));
    }

    Model model() {
        return model;
    }

    String modelName() {
        return modelName;
    }

    AnalysisCache cache() {
        return cache;
    }

    Admission admission() {
        return admission;
    }

    byte[] model(WebServer.Limits limits) {
        ModelConfig c = model.config();
        return write(g -> {
            g.writeStringField("id", id);
            g.writeStringField("model", modelName);
            g.writeStringField("architecture", c.modelType().label());
            g.writeStringField("family", c.modelType().id());
            g.writeBooleanField("decoder", c.decoder());
            g.writeNumberField("layers", c.layers());
            g.writeNumberField("heads", c.heads());
            g.writeNumberField("kvHeads", c.kvHeads());
            g.writeNumberField("hidden", c.hiddenSize());
            g.writeNumberField("headSize", c.headSize());
            // dimensions turned by rotary positions (q and k in the math are after the turn), or null
            if (c.rope() != null) g.writeNumberField("rotaryDimensions", c.rope().dimensions());
            else g.writeNullField("rotaryDimensions");
            g.writeNumberField("intermediate", c.intermediateSize());
            g.writeNumberField("vocabSize", c.vocabSize());
            g.writeNumberField("maxPositions", c.maxPositions());
            g.writeNumberField("contextLength", c.maxPositions());
            g.writeStringField("pooling", model.pooling().modeName());
            g.writeObjectFieldStart("limits");
            g.writeNumberField("bodyBytes", limits.bodyBytes());
            g.writeNumberField("textChars", AnalyzeRequest.MAX_TEXT_CHARS);
            g.writeEndObject();
        });
    }


    private byte[] answer(AnalyzeRequest r, AnalysisCache.Hit hit, long t0) {
        Analysis a = hit.analysis();
        int n = a.length();
        if (r.query() != null) checkToken("query", r.query(), n);
        List<ResultsPage> pages;
        List<ResultsPage.Renormalised> leftOut = new ArrayList<>();
        try { // a long text's streamed pages refuse what needs the whole matrices
            if (r.attention()) a.requireMatrices("the attention maps");
            if (r.query() != null) pages = List.of(page(a, r, r.query(), leftOut));
            else if (!r.withoutSinks() && !r.withoutSpecialTokens()) pages = a.pages(r.view(), r.top());
            else {
                pages = new ArrayList<>();
                for (int i = 0; i < n; i++) pages.add(page(a, r, i, leftOut));
            }
        } catch (MatrixNotKeptException e) {
            throw new ApiException(413, e.getMessage());
        }
        MathChoice math = r.math() == null ? null : math(a, r, pages);
        NextTokens.Position next = r.next() ? NextTokens.at(model, a.trace(), r.query(), TOP_NEXT, true) : null;
        double millis = (System.nanoTime() - t0) / 1e6;
        return write(g -> {
            SearchJson.write(g, a, modelName, pages, null);
            if (math != null) {
                g.writeFieldName("math");
                SearchJson.writeMath(g, math.view(), math.head());
            }
            if (a.dropped() > 0) {
                g.writeStringField("notice", "The text has " + (n + a.dropped()) + " tokens; the model takes "
                        + model.config().maxPositions() + ", so the last " + a.dropped() + " were dropped.");
            }
            g.writeBooleanField("cached", hit.cached());
            g.writeNumberField("elapsedMillis", Math.round(millis * 1000) / 1000.0);
            if (r.attention()) {
                AttentionMaps.write(g, a, MAX_MAP_CELLS, MAX_ATTENTION_CELLS);
                int layers = a.config().layers(), heads = a.config().heads();
                // sink cells go with exact maps only, one cell per key
                if (AttentionMaps.side(n, layers * heads, MAX_MAP_CELLS, MAX_ATTENTION_CELLS) == n) SinkCells.write(g, a);
            }
            if (r.withoutSpecialTokens()) writeLeftOut(g, leftOut);
            if (next != null) {
                g.writeFieldName("next");
                SearchJson.writeNext(g, next);
            }
        });
    }

    /** One query's page, with its sinks and special tokens left out when asked (then every key is ranked first). */
    private static ResultsPage page(Analysis a, AnalyzeRequest r, int query, List<ResultsPage.Renormalised> leftOut) {
        if (!r.withoutSinks() && !r.withoutSpecialTokens()) return a.page(r.view(), query, r.top());
        ResultsPage p = a.page(r.view(), query, 0);
        if (r.withoutSinks()) p = p.withoutSinks();
        if (r.withoutSpecialTokens()) {
            ResultsPage.Renormalised rest = p.leaveOut(x -> !x.key().hasSpan());
            leftOut.add(rest);
            p = rest.page();
        }
        return p.top(r.top());
    }

    /** "specialTokensLeftOut": per page, the special tokens taken off it and the weight they held. */
    private static void writeLeftOut(JsonGenerator g, List<ResultsPage.Renormalised> leftOut) throws IOException {
        g.writeArrayFieldStart("specialTokensLeftOut");
        for (ResultsPage.Renormalised r : leftOut) {
            g.writeStartObject();
            g.writeNumberField("query", r.page().query().position());
            g.writeArrayFieldStart("keys");
            for (var t : r.keys()) g.writeNumber(t.position());
            g.writeEndArray();
            g.writeNumberField("weight", r.weight());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** One result taken apart, and how its head was chosen: "page", "asked" or "heaviest" (see math). */
    private record MathChoice(MathView view, String head) {
    }

    /**
     * As {@code explain --math} chooses: the page's query, the view's layer (the last for
     * rollout), the page's top key; the page's own head, or — a blend or rollout has no single
     * q·k — the head of that layer that gives this key the most weight from the query. Each
     * may be asked for instead.
     */
    private MathChoice math(Analysis a, AnalyzeRequest r, List<ResultsPage> pages) {
        AnalyzeRequest.MathRequest m = r.math();
        int n = a.length();
        int query = m.query() != null ? m.query() : r.query() != null ? r.query() : 0;
        checkToken("math.query", query, n);
        View v = r.view();
        int layer = m.layer() != null ? m.layer() : v instanceof View.Rollout ? a.config().layers() - 1 : v.layer();
        int key;
        if (m.key() != null) {
            checkToken("math.key", m.key(), n);
            key = m.key();
        } else {
            key = topKey(a, v, query, pages);
        }
        try {
            int head;
            String chosen;
            if (m.head() != null) {
                head = m.head();
                chosen = v instanceof View.Head h && h.head() == head && h.layer() == layer ? "page" : "asked";
            } else if (v instanceof View.Head h) {
                head = h.head();
                chosen = "page";
            } else {
                head = MathView.heaviestHead(a, layer, query, key);
                chosen = "heaviest";
            }
            return new MathChoice(MathView.of(a, layer, head, query, key, TOP_TERMS), chosen);
        } catch (IllegalArgumentException e) { // a key the query cannot see
            throw ApiException.badRequest(e.getMessage());
        }
    }

    /** The top result of the query's page as shown (sinks or special tokens left out as asked), else of its plain page. */
    private static int topKey(Analysis a, View v, int query, List<ResultsPage> pages) {
        for (ResultsPage p : pages) {
            if (p.query().position() == query && !p.results().isEmpty()) return p.results().getFirst().key().position();
        }
        return a.page(v, query, 1).results().getFirst().key().position();
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
        try (JsonGenerator g = JsonBody.JSON.getFactory().createGenerator(out)) {
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
