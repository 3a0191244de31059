package org.attentionsearch.web;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.attentionsearch.model.Model;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.search.Streaming;

/**
 * The last few analyses, by text, so that clicking around a text never reruns the model.
 * Bounded both in entries and in the estimated bytes of their traces (a 512-token trace is
 * hundreds of megabytes, a 50-token one well under one; a streamed one grows with the length only).
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

    /** The kept analysis of this text, or null. */
    synchronized Analysis kept(String text) {
        return entries.get(text);
    }

    Hit get(String text) {
        Analysis kept = kept(text);
        if (kept != null) return new Hit(kept, true);
        // The forward pass runs outside the lock; Admission bounds how many run at once.
        Model.Tokenized tokenized = model.tokenize(text);
        // A quarter of the heap per analysis: a few run at once and the cache holds others.
        // A text whose matrices would not fit streams its pages instead.
        Streaming streaming = Streaming.past(Runtime.getRuntime().maxMemory() / 4);
        try {
            streaming.requireFits(model.config(), tokenized.encoding().length());
        } catch (IllegalArgumentException e) {
            throw new ApiException(413, e.getMessage());
        }
        Analysis a = Analysis.of(model, List.of(tokenized), streaming).getFirst();
        put(text, a);
        return new Hit(a, false);
    }

    /** The estimated bytes of the analyses kept. */
    synchronized long bytes() {
        return bytes;
    }

    synchronized int size() {
        return entries.size();
    }

    private synchronized void put(String text, Analysis a) {
        long size = a.heldBytes();
        if (size > maxBytes || entries.containsKey(text)) return;
        entries.put(text, a);
        bytes += size;
        Iterator<Map.Entry<String, Analysis>> oldest = entries.entrySet().iterator();
        while ((entries.size() > maxEntries || bytes > maxBytes) && oldest.hasNext()) {
            Analysis evicted = oldest.next().getValue();
            oldest.remove();
            bytes -= evicted.heldBytes();
        }
    }
}
