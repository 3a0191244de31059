package org.attentionsearch.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The page's own files, read once from the classpath (src/main/resources/web). A fixed list,
 * so no request path ever reaches the file system.
 */
final class StaticAssets {

    record Asset(String contentType, byte[] bytes) {
    }

    private static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "app.js", "text/javascript; charset=utf-8",
            "figure.js", "text/javascript; charset=utf-8",
            "inspect.js", "text/javascript; charset=utf-8",
            "generate.js", "text/javascript; charset=utf-8",
            "corpus.js", "text/javascript; charset=utf-8",
            "heads.js", "text/javascript; charset=utf-8",
            "heads.css", "text/css; charset=utf-8",
            "style.css", "text/css; charset=utf-8",
            "favicon.svg", "image/svg+xml");

    private final Map<String, Asset> assets = new LinkedHashMap<>();

    StaticAssets() {
        for (var file : FILES.entrySet()) {
            try (InputStream in = StaticAssets.class.getResourceAsStream("/web/" + file.getKey())) {
                if (in == null) throw new IllegalStateException("the web page's file " + file.getKey() + " is missing from the jar");
                assets.put(file.getKey(), new Asset(file.getValue(), in.readAllBytes()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    Map<String, Asset> all() {
        return assets;
    }
}
