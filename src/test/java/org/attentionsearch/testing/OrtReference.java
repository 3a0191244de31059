package org.attentionsearch.testing;

import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/**
 * ONNX Runtime as the reference: runs a padded batch with an attention mask and returns the
 * requested outputs as [batch][seq][...] float arrays flattened per sequence.
 */
public final class OrtReference implements AutoCloseable {

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    public OrtReference(byte[] model) {
        try {
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
            session = env.createSession(model, options);
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    public List<String> outputNames() {
        return List.copyOf(session.getOutputNames());
    }

    /** Runs the padded batch; returns each named output as a flat float array [batch × …]. */
    public Map<String, float[]> run(List<int[]> ids, List<int[]> types, List<String> outputs) {
        int batch = ids.size(), length = 0;
        for (int[] s : ids) length = Math.max(length, s.length);
        long[] flat = new long[batch * length], mask = new long[batch * length], typeFlat = new long[batch * length];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < ids.get(b).length; i++) {
                flat[b * length + i] = ids.get(b)[i];
                mask[b * length + i] = 1;
                typeFlat[b * length + i] = types == null ? 0 : types.get(b)[i];
            }
        }
        long[] shape = {batch, length};
        try (OnnxTensor a = OnnxTensor.createTensor(env, LongBuffer.wrap(flat), shape);
             OnnxTensor m = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
             OnnxTensor t = OnnxTensor.createTensor(env, LongBuffer.wrap(typeFlat), shape)) {
            Map<String, OnnxTensor> in = new HashMap<>();
            for (String n : session.getInputNames()) {
                in.put(n, n.contains("mask") ? m : n.contains("type") ? t : a);
            }
            try (OrtSession.Result result = session.run(in, new java.util.HashSet<>(outputs))) {
                Map<String, float[]> out = new HashMap<>();
                for (String name : outputs) {
                    OnnxValue v = result.get(name).orElseThrow();
                    var buffer = ((OnnxTensor) v).getFloatBuffer();
                    float[] data = new float[buffer.remaining()];
                    buffer.get(data);
                    out.put(name, data);
                }
                return out;
            }
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
