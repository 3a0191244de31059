package org.attentionsearch.web;

import java.net.URI;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

import io.javalin.Javalin;
import io.javalin.http.Context;
import org.attentionsearch.corpus.CorpusIndex;
import org.attentionsearch.model.Model;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local web app: the page's own files and the JSON API, one model chosen at start.
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

    /** Scripts, styles and connections only from this server; nothing inline, no frames. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final Javalin app;
    private final AnalyzeApi api;
    private final Limits limits;
    private final boolean loopbackOnly;
    private final AtomicLong internalErrors = new AtomicLong();

    private WebServer(Model model, String modelName, String host, Limits limits, CorpusIndex corpus) {
        this.limits = limits;
        SimilarContextsApi similar = new SimilarContextsApi(model, corpus);
        this.loopbackOnly = isLoopback(host);
        this.api = new AnalyzeApi(model, modelName, new AnalysisCache(model, limits.cacheEntries(), limits.cacheBytes()),
                new Admission(limits.concurrent(), limits.waiting(), limits.waitMillis()));
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
            config.routes.get("/api/model", ctx -> json(ctx, 200, api.model(limits)));
            config.routes.post("/api/analyze", this::analyze);
            config.routes.get("/api/similar", ctx -> json(ctx, 200, similar.describe()));
            config.routes.post("/api/similar", ctx -> json(ctx, 200, similar.similar(RequestBody.read(ctx.req(), limits.bodyBytes()))));
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

    /** Starts on host:port (port 0 picks a free one). */
    public static WebServer start(Model model, String modelName, String host, int port, Limits limits) {
        return start(model, modelName, host, port, limits, null);
    }

    /** As {@link #start(Model, String, String, int, Limits)}, with a corpus index for the similar-contexts panel (or null). */
    public static WebServer start(Model model, String modelName, String host, int port, Limits limits, CorpusIndex corpus) {
        WebServer server = new WebServer(model, modelName, host, limits, corpus);
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

    /** Failures that were not the client's fault; the load tests expect none. */
    public long internalErrors() {
        return internalErrors.get();
    }

    @Override
    public void close() {
        app.stop();
    }

    private void analyze(Context ctx) {
        String type = ctx.contentType();
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new ApiException(415, "send the body as Content-Type: application/json");
        }
        try {
            json(ctx, 200, api.analyze(RequestBody.read(ctx.req(), limits.bodyBytes())));
        } catch (OutOfMemoryError e) { // an Error passes the exception mappers: answer it in JSON all the same
            internalErrors.incrementAndGet();
            LOG.error("out of memory on {} {}", ctx.method(), ctx.path());
            ctx.header("Retry-After", "5");
            json(ctx, 503, api.error("the server ran out of memory for this text; try a shorter one"));
        }
    }

    /**
     * Security headers on every answer; and on a loopback-only server, requests must name a
     * loopback host, so a web page elsewhere cannot reach it by rebinding its DNS name.
     */
    private void guard(Context ctx) {
        ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Cross-Origin-Opener-Policy", "same-origin");
        ctx.header("Cross-Origin-Resource-Policy", "same-origin");
        ctx.header("Cache-Control", "no-store");
        if (loopbackOnly) {
            String host = ctx.header("Host");
            if (host == null || !isLoopback(hostName(host))) {
                throw new ApiException(421, "this server answers only to localhost addresses");
            }
        }
    }

    private static void serve(Context ctx, StaticAssets.Asset asset) {
        ctx.status(200).contentType(asset.contentType()).result(asset.bytes());
    }

    private static void json(Context ctx, int status, byte[] body) {
        ctx.status(status).contentType("application/json; charset=utf-8").result(body);
    }

    /** Whether a --host value keeps the server to this machine. */
    public static boolean isLoopbackHost(String host) {
        return isLoopback(host);
    }

    static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.equals("::1") || h.equals("[::1]") || h.startsWith("127.");
    }

    /** "127.0.0.1:8080" → "127.0.0.1", "[::1]:8080" → "[::1]". */
    private static String hostName(String hostHeader) {
        if (hostHeader.startsWith("[")) {
            int end = hostHeader.indexOf(']');
            return end < 0 ? hostHeader : hostHeader.substring(0, end + 1);
        }
        int colon = hostHeader.indexOf(':');
        return colon < 0 ? hostHeader : hostHeader.substring(0, colon);
    }

    private static String clip(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "…";
    }
}
