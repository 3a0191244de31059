package org.attentionsearch.model;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntToLongFunction;

import org.attentionsearch.math.Parallel;

/**
 * One forward pass over a ragged batch: the activations' buffers and the traces. A family's
 * forward pass asks it for scratch space by role ("qkv", "normed" …) and records what it
 * computes under the trace's stable names.
 *
 * <p>Without a trace, scratch is reused from layer to layer (and from pass to pass): every
 * element read is first written in the same layer. A layer writes the residual it returns over
 * its input, which nothing reads by then. With a trace, every layer gets fresh buffers, because
 * the trace keeps views of them; they are allocated, and so zeroed, by all threads at once.
 */
public final class Pass {

    private final ModelConfig config;
    private final Batch batch;
    private final Trace[] traces;
    private final Map<String, float[]> pool;
    private final KeyValueCache cache;
    /** Kept roles and widths asked for so far, so that later traced layers allocate them up front. */
    private final Map<String, Integer> widths = new LinkedHashMap<>();
    private Map<String, float[]> layerBuffers = new HashMap<>();
    private int layer = -1;

    Pass(ModelConfig config, Batch batch, Trace[] traces, Map<String, float[]> pool, KeyValueCache cache) {
        this.config = config;
        this.batch = batch;
        this.traces = traces;
        this.pool = pool;
        this.cache = cache;
    }

    /** The cache this pass continues and extends (its one sequence follows the cached tokens), or null. */
    public KeyValueCache cache() {
        return cache;
    }

    /** Tokens before this pass's first row: the cache's length, or 0. */
    public int past() {
        return cache == null ? 0 : cache.length();
    }

    public ModelConfig config() {
        return config;
    }

    public Batch batch() {
        return batch;
    }

    public int rows() {
        return batch.rows();
    }

    public boolean traced() {
        return traces != null;
    }

    /** The layer being computed, or −1 outside the layers. */
    public int layer() {
        return layer;
    }

    public Trace trace(int b) {
        return traces[b];
    }

    void beginLayer(int l) {
        layer = l;
        if (traces == null || l < 0) return;
        String[] roles = widths.keySet().toArray(new String[0]);
        float[][] arrays = allocate(roles.length, i -> (long) rows() * widths.get(roles[i]));
        layerBuffers = new HashMap<>();
        for (int i = 0; i < roles.length; i++) layerBuffers.put(roles[i], arrays[i]);
    }

    /** Scratch of [rows × width] for one role that no trace records; its contents are whatever was left there. */
    public float[] scratch(String role, int width) {
        return buffer(pool, role, width);
    }

    /** A buffer of [rows × width] for one role that the trace records: fresh for each layer of a traced pass. */
    public float[] kept(String role, int width) {
        if (traces == null) return buffer(pool, role, width);
        widths.putIfAbsent(role, width);
        return buffer(layerBuffers, role, width);
    }

    private float[] buffer(Map<String, float[]> buffers, String role, int width) {
        float[] b = buffers.get(role);
        if (b == null || b.length < rows() * width) {
            b = new float[Math.multiplyExact(rows(), width)];
            buffers.put(role, b);
        }
        return b;
    }

    /** Where a layer whose input is x writes the residual it returns: over x, or fresh when traced. */
    public float[] residual(float[] x) {
        return traces == null ? x : kept("residual", config.hiddenSize());
    }

    /** A new [rows × width] array of its own (an output that outlives the pass). */
    public float[] fresh(int width) {
        return new float[Math.multiplyExact(rows(), width)];
    }

    /** Lets each trace see its rows of a batch buffer under {@code name}; nothing is copied until read. */
    public void record(String name, float[] x, int width) {
        if (traces == null) return;
        for (int b = 0; b < batch.size(); b++) traces[b].putRows(name, x, batch.start(b), width);
    }

    /** {@link #record} under {@code layers.L.what} for the current layer. */
    public void recordLayer(String what, float[] x, int width) {
        record("layers." + layer + "." + what, x, width);
    }

    /**
     * Lets each trace see per-head columns of a batch buffer as [heads, n, d] under
     * {@code layers.L.what}: head h is columns column + h·d … column + h·d + d − 1.
     */
    public void recordHeads(String what, float[] buffer, int stride, int column, int heads, int d) {
        if (traces == null) return;
        for (int b = 0; b < batch.size(); b++) {
            traces[b].putHeads("layers." + layer + "." + what, buffer, batch.start(b), stride, column, heads, d);
        }
    }

    /** Fresh arrays of the given sizes, zeroed by all threads at once. */
    static float[][] allocate(int count, IntToLongFunction size) {
        float[][] arrays = new float[count][];
        Parallel.forEach(count, i -> arrays[i] = new float[Math.toIntExact(size.applyAsLong(i))]);
        return arrays;
    }
}
