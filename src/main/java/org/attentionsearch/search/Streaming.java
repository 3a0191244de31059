package org.attentionsearch.search;

import org.attentionsearch.model.ModelConfig;

/**
 * When an analysis streams its results pages (see {@link StreamedPages}) instead of keeping
 * every head's n×n attention weights: always when {@code always} (the command line's
 * {@code --stream-pages}); otherwise exactly when the full analysis would hold more than
 * {@code budget} bytes ({@link Analysis#estimatedBytes}), the length at which a text used to be
 * refused. So a text that fits is analysed in full as before, and a longer one still gets its
 * pages; only what needs the whole matrices (rollout, every key of a page, the attention maps)
 * is refused for it.
 *
 * @param budget the bytes one analysis may hold: a share of the heap
 */
public record Streaming(boolean always, long budget) {

    /** Streams only what would not fit in {@code budget}. */
    public static Streaming past(long budget) {
        return new Streaming(false, budget);
    }

    /** Whether a text of n tokens gets streamed pages. */
    public boolean streams(ModelConfig c, int n) {
        return always || Analysis.estimatedBytes(c, n) > budget;
    }

    /** The longest text analysed in full within the budget (0 when streaming is always on). */
    public int fullLimit(ModelConfig c) {
        if (always) return 0;
        int lo = 0, hi = Math.max(1, c.maxPositions());
        while (lo < hi) { // the largest n with estimatedBytes(n) ≤ budget; the estimate grows with n
            int mid = (int) (((long) lo + hi + 1) / 2);
            if (Analysis.estimatedBytes(c, mid) <= budget) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

    /**
     * Refuses, with one sentence, a text whose analysis would not fit in the budget even with
     * streamed pages, instead of running out of memory halfway through.
     */
    public void requireFits(ModelConfig c, int n) {
        if (!streams(c, n)) return;
        long need = Analysis.streamedBytes(c, n);
        if (need > budget) {
            throw new IllegalArgumentException("analysing " + n + " tokens holds about " + need / 1_000_000
                    + " MB even with streamed pages, more than the " + budget / 1_000_000
                    + " MB this process allows; use a shorter text or give Java more memory (-Xmx)");
        }
    }

    /** Why a text of n tokens streams, for the sentence that refuses what needs the whole matrices. */
    public String reason(ModelConfig c, int n) {
        if (always) return "its pages are streamed, as asked";
        return "its " + n + " tokens' full attention would take about " + Analysis.estimatedBytes(c, n) / 1_000_000
                + " MB, more than the " + budget / 1_000_000 + " MB allowed, so its pages are streamed; a text of at most "
                + fullLimit(c) + " tokens is analysed in full (or give Java more memory, -Xmx)";
    }
}
