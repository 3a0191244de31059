package org.attentionsearch.web;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.javalin.Javalin;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;
import org.attentionsearch.corpus.CorpusIndex;
import org.attentionsearch.model.Model;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local web app: the page's own files and the JSON API, over the models chosen at start
 * (the first is the default; requests name another by its id, never by a path).
 * Every answer is JSON or one of the page's files; every refusal is {"error": "…"}.
 */
public final class WebServer implements AutoCloseable {

    /**
     * @param bodyBytes     largest request body
     * @param concurrent    analyses running at once
     * @param waiting       requests that may wait for a turn
     * @param waitMillis    how long one waits before a 503
     * @param cacheEntries  analyses kept
     * @param cacheBytes    estimated bytes of the analyses kept
     */
    public record Limits(int bodyBytes, int concurrent, int waiting, long waitMillis, int cacheEntries, long cacheBytes) {

        /** Sized for a laptop: a quarter of the heap for cached traces, at most 1 GiB. */
        public static Limits defaults() {
            long cache = Math.min(Runtime.getRuntime().maxMemory() / 4, 1L << 30);
            return new Limits(256 * 1024, 2, 32, 10_000, 8, cache);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(WebServer.class);

    private final Javalin app;
    private final AnalyzeApi api;
    private final Map<String, AnalyzeApi> apis = new LinkedHashMap<>();
    private final GenerateApi generate = new GenerateApi();
    private final Limits limits;
    private final boolean loopbackOnly;
    private final AtomicLong internalErrors = new AtomicLong();

    private WebServer(List<ServedModel> models, String host, Limits limits, CorpusIndex corpus, List<ServedHeadStatistics> headStatistics) {
        if (models.isEmpty()) throw new IllegalArgumentException("the server needs at least one model");
        this.limits = limits;
        this.loopbackOnly = Loopback.isAddress(host);
        // One admission for all models: they share the machine. The cache's bytes are split between them.
        Admission admission = new Admission(limits.concurrent(), limits.waiting(), limits.waitMillis());
        for (ServedModel m : models) {
            if (apis.containsKey(m.id())) throw new IllegalArgumentException("two models have the id " + m.id());
            apis.put(m.id(), new AnalyzeApi(m, new AnalysisCache(m.model(), limits.cacheEntries(),
                    limits.cacheBytes() / models.size()), admission));
        }
        this.api = apis.values().iterator().next();
        SimilarContextsApi similar = new SimilarContextsApi(models.getFirst().model(), corpus); // the index is the first model's
        HeadStatisticsApi heads = new HeadStatisticsApi(models, headStatistics);
        StaticAssets assets = new StaticAssets();
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.http.maxRequestSize = limits.bodyBytes();
            config.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorPages()));
            config.routes.before(this::guard);
            config.routes.get("/", ctx -> serve(ctx, assets.all().get("index.html")));
            for (var asset : assets.all().entrySet()) {
                config.routes.get("/" + asset.getKey(), ctx -> serve(ctx, asset.getValue()));
            }
            config.routes.get("/api/model", ctx -> json(ctx, 200, chosen(ctx.queryParam("model")).model(limits)));
            config.routes.get("/api/models", ctx -> json(ctx, 200, models()));
            config.routes.post("/api/analyze", ctx -> post(ctx, (a, body) -> a.analyze(body)));
            config.routes.post("/api/heads", ctx -> post(ctx, ModelSearchApi::heads));
            config.routes.post("/api/compare", ctx -> post(ctx, ModelSearchApi::compare));
            config.routes.post("/api/generate", this::generate);
            config.routes.get("/api/similar", ctx -> json(ctx, 200, similar.describe()));
            config.routes.post("/api/similar", ctx -> json(ctx, 200, similar.similar(RequestBody.read(ctx.req(), limits.bodyBytes()))));
            config.routes.get("/api/heads-statistics", ctx -> json(ctx, 200, heads.answer(ctx.queryParam("model"))));
            config.routes.exception(ApiException.class, (e, ctx) -> json(ctx, e.status(), api.error(e.getMessage())));
            config.routes.exception(Admission.Busy.class, (e, ctx) -> {
                ctx.header("Retry-After", "1");
                json(ctx, 503, api.error(e.getMessage()));
            });
            config.routes.exception(Exception.class, (e, ctx) -> {
                internalErrors.incrementAndGet();
                LOG.error("internal error on {} {}", ctx.method(), ctx.path(), e);
                json(ctx, 500, api.error("internal error; the server log has the details"));
            });
            config.routes.error(404, "*", ctx -> json(ctx, 404, api.error("no such page or endpoint: " + clip(ctx.path()))));
            config.routes.error(405, "*", ctx -> json(ctx, 405, api.error("method " + ctx.method() + " is not allowed here")));
        });
    }

    /** Starts on host:port (port 0 picks a free one) with one model. */
    public static WebServer start(Model model, String modelName, String host, int port, Limits limits) {
        return start(ServedModel.named(List.of(modelName), List.of(model)), host, port, limits, null);
    }

    /** As {@link #start(Model, String, String, int, Limits)}, with a corpus index for the similar-contexts panel (or null). */
    public static WebServer start(Model model, String modelName, String host, int port, Limits limits, CorpusIndex corpus) {
        return start(ServedModel.named(List.of(modelName), List.of(model)), host, port, limits, corpus);
    }

    /** Starts on host:port with these models, the first the default. */
    public static WebServer start(List<ServedModel> models, String host, int port, Limits limits) {
        return start(models, host, port, limits, null);
    }

    /** As above, with a corpus index of the first model for the similar-contexts panel (or null). */
    public static WebServer start(List<ServedModel> models, String host, int port, Limits limits, CorpusIndex corpus) {
        return start(models, host, port, limits, corpus, List.of());
    }

    /** As above, with served models' head statistics over a corpus for the model overview's heatmaps. */
    public static WebServer start(List<ServedModel> models, String host, int port, Limits limits, CorpusIndex corpus,
                                  List<ServedHeadStatistics> headStatistics) {
        WebServer server = new WebServer(models, host, limits, corpus, headStatistics);
        server.app.start(host, port);
        return server;
    }

    public int port() {
        return app.port();
    }

    public URI url(String host) {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return URI.create("http://" + h + ":" + port() + "/");
    }

    /** The most analyses run and requests queued at once so far, and the analyses kept now with their estimated bytes. */
    record Held(int peakRunning, int peakWaiting, int cachedAnalyses, long cachedBytes) {
    }

    /** What the server holds, for the load tests to check against its {@link Limits}. */
    Held held() {
        return api.held();
    }

    /** Failures that were not the client's fault; the load tests expect none. */
    public long internalErrors() {
        return internalErrors.get();
    }

    @Override
    public void close() {
        app.stop();
    }

    /** Generations running now (the tests watch a cancelled one stop). */
    int runningGenerations() {
        return generate.running();
    }

    /** Tokens generated since the start, over all requests. */
    long tokensGenerated() {
        return generate.tokensGenerated();
    }

    /** {"models": [the /api/model object of each], "default": id}. */
    private byte[] models() {
        return JsonBody.object(g -> {
            g.writeArrayFieldStart("models");
            for (AnalyzeApi a : apis.values()) g.writeRawValue(new String(a.model(limits), StandardCharsets.UTF_8));
            g.writeEndArray();
            g.writeStringField("default", apis.keySet().iterator().next());
        });
    }

    /** The model a request names by id, or the default one. */
    private AnalyzeApi chosen(String id) {
        if (id == null) return api;
        AnalyzeApi a = apis.get(id);
        if (a == null) {
            throw ApiException.badRequest("no model \"" + JsonBody.clip(id) + "\" here; the models are " + String.join(", ", apis.keySet()));
        }
        return a;
    }

    private AnalyzeApi chosen(JsonNode body) {
        JsonNode id = body.get("model");
        if (id == null || id.isNull()) return api;
        if (!id.isTextual()) throw ApiException.badRequest("\"model\" must be a model id (a string; see /api/models)");
        return chosen(id.textValue());
    }

    interface Endpoint {
        byte[] answer(AnalyzeApi api, JsonNode body);
    }

    private JsonNode body(Context ctx) {
        RequestBody.requireJson(ctx.header("Content-Type"));
        return JsonBody.parse(RequestBody.read(ctx.req(), limits.bodyBytes()));
    }

    /** A JSON POST: checked, read within the body limit, answered by the model it names. */
    private void post(Context ctx, Endpoint endpoint) {
        try {
            JsonNode body = body(ctx);
            json(ctx, 200, endpoint.answer(chosen(body), body));
        } catch (OutOfMemoryError e) { // an Error passes the exception mappers: answer it in JSON all the same
            internalErrors.incrementAndGet();
            LOG.error("out of memory on {} {}", ctx.method(), ctx.path());
            ctx.header("Retry-After", "5");
            json(ctx, 503, api.error("the server ran out of memory for this text; try a shorter one"));
        }
    }

    /**
     * Server-Sent Events of a generation. Refusals before the first event are ordinary JSON
     * answers (400, 413, 503); a failure after it is an "error" event, as the status is sent.
     */
    private void generate(Context ctx) {
        JsonNode body = body(ctx);
        AnalyzeApi model = chosen(body);
        HttpServletResponse res = ctx.res();
        boolean[] open = {false};
        GenerateApi.EventStream events = new GenerateApi.EventStream() {
            @Override
            public void open() throws IOException {
                res.setStatus(200);
                res.setContentType("text/event-stream; charset=utf-8");
                res.setHeader("X-Accel-Buffering", "no");
                res.flushBuffer();
                open[0] = true;
            }

            @Override
            public void send(String event, byte[] json) throws IOException {
                OutputStream out = res.getOutputStream();
                out.write(("event: " + event + "\ndata: ").getBytes(StandardCharsets.UTF_8));
                out.write(json);
                out.write("\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        };
        try {
            generate.generate(model, body, events);
        } catch (RuntimeException | OutOfMemoryError e) {
            if (!open[0]) throw e;
            internalErrors.incrementAndGet();
            LOG.error("internal error while generating", e);
            try {
                events.send("error", api.error(e instanceof OutOfMemoryError ? "the server ran out of memory while writing"
                        : "internal error; the server log has the details"));
            } catch (IOException gone) {
                // nobody is listening any more
            }
        }
    }

    /**
     * Security headers on every answer; and on a loopback-only server, requests must name a
     * loopback host (see {@link Loopback}), so a web page elsewhere cannot reach it by
     * rebinding its DNS name to 127.0.0.1. A server bound to another address answers any
     * Host: whoever can reach that address can already talk to it, so a name check adds nothing.
     */
    private void guard(Context ctx) {
        SecurityHeaders.forEach(ctx::header);
        if (loopbackOnly) {
            String host = ctx.header("Host");
            if (host == null || !Loopback.isHostHeader(host)) {
                throw new ApiException(421, "this server answers only to localhost, 127.x.y.z and [::1] host names");
            }
        }
    }

    private static void serve(Context ctx, StaticAssets.Asset asset) {
        ctx.status(200).contentType(asset.contentType()).result(asset.bytes());
    }

    private static void json(Context ctx, int status, byte[] body) {
        ctx.status(status).contentType("application/json; charset=utf-8").result(body);
    }

    /** Whether a --host value keeps the server to this machine (localhost, 127.x.y.z, ::1). */
    public static boolean isLoopbackHost(String host) {
        return Loopback.isAddress(host);
    }

    private static String clip(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "…";
    }
}
