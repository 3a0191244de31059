package org.attentionsearch.web;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import org.attentionsearch.model.Model;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.search.Analysis;

/**
 * The last few analyses, by text, so that clicking around a text never reruns the model.
 * Bounded both in entries and in the estimated bytes of their traces (a 512-token trace is
 * hundreds of megabytes, a 50-token one well under one).
 */
final class AnalysisCache {

    /** An analysis, and whether it came from the cache. */
    record Hit(Analysis analysis, boolean cached) {
    }

    private final Model model;
    private final int maxEntries;
    private final long maxBytes;
    private final LinkedHashMap<String, Analysis> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    AnalysisCache(Model model, int maxEntries, long maxBytes) {
        this.model = model;
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
    }

    Hit get(String text) {
        synchronized (this) {
            Analysis a = entries.get(text);
            if (a != null) return new Hit(a, true);
        }
        // The forward pass runs outside the lock; Admission bounds how many run at once.
        Analysis a = Analysis.of(model, text);
        put(text, a);
        return new Hit(a, false);
    }

    synchronized int size() {
        return entries.size();
    }

    private synchronized void put(String text, Analysis a) {
        long size = estimateBytes(a.config(), a.length());
        if (size > maxBytes || entries.containsKey(text)) return;
        entries.put(text, a);
        bytes += size;
        Iterator<Map.Entry<String, Analysis>> oldest = entries.entrySet().iterator();
        while ((entries.size() > maxEntries || bytes > maxBytes) && oldest.hasNext()) {
            Analysis evicted = oldest.next().getValue();
            oldest.remove();
            bytes -= estimateBytes(evicted.config(), evicted.length());
        }
    }

    /**
     * The trace (scores and weights per head, about eight hidden-width vectors per token and
     * layer) plus what the pages derive from it (value vectors per head, blends per layer).
     */
    static long estimateBytes(ModelConfig c, int n) {
        long perLayer = 2L * c.heads() * n * n + (long) c.heads() * n * c.hiddenSize()
                + 8L * n * c.hiddenSize() + 2L * n * n;
        return 4L * c.layers() * perLayer;
    }
}
