package org.attentionsearch.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import org.attentionsearch.model.Model;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.web.ServedHeadStatistics;
import org.attentionsearch.web.ServedModel;
import org.attentionsearch.web.WebServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true, description = {
        "Start the web app: a search-results page for every token, layer and head, in the browser.",
        "Serves everything itself (no internet needed) and listens on 127.0.0.1 unless --host says otherwise."})
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "PATH", description = {
            "A .gguf file, a Hugging Face model directory or an .onnx file (default: the embedded all-MiniLM-L6-v2).",
            "Give it again to serve several models: the page has a picker, the first is the default. "
                    + "Only these paths are ever read; the browser chooses among them by id."})
    List<Path> models = new ArrayList<>();

    @Option(names = "--pooling", paramLabel = "MODE",
            description = "mean, cls, max or last (default: what each model's files declare).")
    String pooling;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all processors).")
    Integer threads;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080", description = "Port to listen on (default: 8080; 0 picks a free one).")
    int port;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: 127.0.0.1, this machine only).")
    String host;

    @Option(names = "--index", paramLabel = "DIR",
            description = "A corpus index (made by index with the same model): a \"Similar contexts in the corpus\" panel beside each results page.")
    java.nio.file.Path index;

    @Option(names = "--heads", paramLabel = "FILE", description = {
            "Head statistics over a corpus (what heads --json printed for a served model): a heatmap of each in the page's model overview.",
            "Give it again for another served model: each file goes with the model it names (one naming none, with the first). "
                    + "Without it, --index shows the statistics its index run stored."})
    List<Path> headFiles = new ArrayList<>();

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65535) throw new UsageException("--port must be between 0 and 65535");
        checkAddressFree(); // a port in use fails at once, not after the models have loaded
        List<ModelOptions> chosen = new ArrayList<>();
        for (Path path : models.isEmpty() ? Collections.singletonList((Path) null) : models) {
            ModelOptions o = new ModelOptions();
            o.model = path;
            o.pooling = pooling;
            o.threads = threads;
            chosen.add(o);
        }
        List<Model> loaded = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (ModelOptions o : chosen) {
            Model model = o.load();
            // One pass before the first visitor, so the first page does not pay for JIT warm-up.
            Analysis.of(model, "Warming up the model before the first search.");
            loaded.add(model);
            names.add(o.modelName());
        }
        List<ServedModel> served = ServedModel.named(names, loaded);
        org.attentionsearch.corpus.CorpusIndex corpus = null;
        List<ServedHeadStatistics> statistics;
        try {
            if (index != null) { // the index goes with the first (default) model
                corpus = org.attentionsearch.corpus.CorpusIndex.open(index);
                corpus.requireModel(org.attentionsearch.corpus.ModelFingerprint.of(loaded.getFirst(), names.getFirst()));
            }
            statistics = ServedStatistics.of(served, headFiles, index);
        } catch (org.attentionsearch.corpus.CorpusException e) {
            if (corpus != null) corpus.close();
            throw new UsageException(e.getMessage());
        }
        if (!WebServer.isLoopbackHost(host)) {
            System.err.println("warning: listening on " + host + ": other machines can reach this server; "
                    + "it has no authentication and answers any Host name");
        }
        WebServer server;
        try {
            server = WebServer.start(served, host, port, WebServer.Limits.defaults(), corpus, statistics);
        } catch (RuntimeException e) {
            throw new UsageException("cannot listen on " + host + ":" + port + " (" + rootMessage(e) + "); check --host and --port");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }));
        System.out.println("Attention Search is running at " + server.url(host) + "  (Ctrl+C to stop)");
        System.out.flush();
        stopped.await();
        return 0;
    }

    /** Binds host:port once and lets go, so that an address in use is one sentence before anything loads. */
    private void checkAddressFree() {
        if (port == 0) return;
        try (var socket = new java.net.ServerSocket()) {
            socket.setReuseAddress(true); // as the server binds, so a port in TIME_WAIT is not taken for in use
            socket.bind(new java.net.InetSocketAddress(host, port));
        } catch (java.io.IOException | RuntimeException e) {
            throw new UsageException("cannot listen on " + host + ":" + port + " (" + rootMessage(e) + "); check --host and --port");
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) t = t.getCause();
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
