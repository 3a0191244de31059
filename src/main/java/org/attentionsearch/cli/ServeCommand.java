package org.attentionsearch.cli;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import org.attentionsearch.model.Model;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.web.WebServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true, description = {
        "Start the web app: a search-results page for every token, layer and head, in the browser.",
        "Serves everything itself (no internet needed) and listens on 127.0.0.1 unless --host says otherwise."})
final class ServeCommand implements Callable<Integer> {

    @Mixin ModelOptions options;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080", description = "Port to listen on (default: 8080; 0 picks a free one).")
    int port;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: 127.0.0.1, this machine only).")
    String host;

    @Option(names = "--index", paramLabel = "DIR",
            description = "A corpus index (made by index with the same model): a \"Similar contexts in the corpus\" panel beside each results page.")
    java.nio.file.Path index;

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65535) throw new UsageException("--port must be between 0 and 65535");
        Model model = options.load();
        String modelName = options.modelName();
        org.attentionsearch.corpus.CorpusIndex corpus = null;
        if (index != null) {
            try {
                corpus = org.attentionsearch.corpus.CorpusIndex.open(index);
                corpus.requireModel(org.attentionsearch.corpus.ModelFingerprint.of(model, modelName));
            } catch (org.attentionsearch.corpus.CorpusException e) {
                if (corpus != null) corpus.close();
                throw new UsageException(e.getMessage());
            }
        }
        // One pass before the first visitor, so the first page does not pay for JIT warm-up.
        Analysis.of(model, "Warming up the model before the first search.");
        if (!WebServer.isLoopbackHost(host)) {
            System.err.println("warning: listening on " + host + ": other machines can reach this server; "
                    + "it has no authentication");
        }
        WebServer server;
        try {
            server = WebServer.start(model, modelName, host, port, WebServer.Limits.defaults(), corpus);
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

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) t = t.getCause();
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
