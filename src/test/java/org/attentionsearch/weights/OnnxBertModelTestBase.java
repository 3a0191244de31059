package org.attentionsearch.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.attentionsearch.model.ModelConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Reads one of the ONNX models shipped in the langchain4j jars, once per class. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class OnnxBertModelTestBase {

    byte[] bytes;
    OnnxBert bert;

    abstract String resource();

    /** The model's published architecture. */
    abstract ModelConfig publishedConfig();

    static byte[] resourceBytes(String name) throws IOException {
        try (InputStream in = OnnxBertModelTestBase.class.getResourceAsStream(name)) {
            assertNotNull(in, name + " on the test classpath");
            return in.readAllBytes();
        }
    }

    @BeforeAll
    void load() throws IOException {
        bytes = resourceBytes(resource());
        bert = OnnxBert.read(bytes, resource());
    }

    @Test
    void infersThePublishedConfiguration() {
        assertEquals(publishedConfig(), bert.config());
    }

    @Test
    void hasEveryHuggingFaceTensorWithItsShape() {
        Map<String, int[]> expected = BertTensors.expectedShapes(bert.config());
        assertEquals(expected.keySet(), bert.tensors().keySet(), "exactly the BERT tensors, no pooler in these exports");
        expected.forEach((name, shape) -> assertArrayEquals(shape, bert.tensors().get(name).shape(), name));
        bert.tensors().forEach((name, t) -> assertEquals(name, t.name()));
    }

    /**
     * An independent check of the role recovery: every MatMul with a constant weight, whose
     * output is added to a named bias, must appear under that bias's weight name, transposed.
     */
    @Test
    void everyProjectionIsTheMatMulThatItsBiasIsAddedTo() {
        OnnxGraph g = bert.graph();
        Map<String, List<OnnxNode>> consumers = new HashMap<>();
        for (OnnxNode n : g.nodes()) for (String in : n.inputs()) consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
        int checked = 0;
        Set<String> seenWeights = new HashSet<>();
        for (OnnxNode mm : g.nodes()) {
            if (!mm.is("MatMul") || !g.initializers().containsKey(mm.input(1))) continue;
            OnnxTensor w = g.initializers().get(mm.input(1));
            List<OnnxNode> adds = consumers.get(mm.output(0));
            assertEquals(1, adds.size(), mm.name());
            OnnxNode add = adds.get(0);
            assertEquals("Add", add.opType());
            String bias = add.input(0).equals(mm.output(0)) ? add.input(1) : add.input(0);
            assertTrue(bias.endsWith(".bias"), bias);
            String weightName = bias.substring(0, bias.length() - 5) + ".weight";
            Tensor mapped = bert.tensors().get(weightName);
            assertNotNull(mapped, weightName);
            float[] onnx = w.floats("test");
            int in = (int) w.dims()[0];
            int out = (int) w.dims()[1];
            assertArrayEquals(new int[] {out, in}, mapped.shape(), weightName);
            for (int i = 0; i < in; i++) {
                for (int o = 0; o < out; o++) {
                    if (onnx[i * out + o] != mapped.data()[o * in + i]) {
                        throw new AssertionError(weightName + " differs from " + w.name() + " at [" + o + "," + i + "]");
                    }
                }
            }
            assertTrue(seenWeights.add(weightName), weightName + " mapped twice");
            checked++;
        }
        assertEquals(6 * bert.config().layers(), checked);
    }

    @Test
    void queryKeyAndValueWeightsAreDistinct() {
        for (int l = 0; l < bert.config().layers(); l++) {
            String p = BertTensors.layerPrefix(l) + "attention.self.";
            float[] q = bert.tensors().get(p + "query.weight").data();
            float[] k = bert.tensors().get(p + "key.weight").data();
            float[] v = bert.tensors().get(p + "value.weight").data();
            assertFalse(Arrays.equals(q, k));
            assertFalse(Arrays.equals(q, v));
            assertFalse(Arrays.equals(k, v));
        }
    }

    /** Anonymous weights renamed so their numeric order is reversed, and nodes listed backwards. */
    @Test
    void roleRecoveryIgnoresWeightNamesAndNodeOrder() {
        List<String> anonymous = new ArrayList<>();
        for (String name : bert.graph().initializers().keySet()) if (name.startsWith("onnx::")) anonymous.add(name);
        assertEquals(6 * bert.config().layers(), anonymous.size());
        Map<String, String> renames = new HashMap<>();
        for (int i = 0; i < anonymous.size(); i++) renames.put(anonymous.get(i), "onnx::MatMul_" + (9000 - i));
        OnnxGraph renamed = Graphs.rename(bert.graph(), renames);
        List<OnnxNode> reversed = new ArrayList<>(renamed.nodes());
        Collections.reverse(reversed);
        OnnxGraph shuffled = new OnnxGraph("shuffled", reversed, renamed.initializers(), renamed.inputs(), renamed.outputs());

        OnnxBert again = OnnxBert.from(shuffled, "shuffled");
        assertEquals(bert.config(), again.config());
        assertEquals(bert.attentionOutputs(), again.attentionOutputs());
        assertEquals(bert.tensors().keySet(), again.tensors().keySet());
        bert.tensors().forEach((name, t) -> assertArrayEquals(t.data(), again.tensors().get(name).data(), name));
    }

    @Test
    void attentionOutputsAreTheSoftmaxesInLayerOrder() {
        assertEquals(bert.config().layers(), bert.attentionOutputs().size());
        assertEquals(OnnxAttentionOutputs.softmaxOutputs(bert.graph()), bert.attentionOutputs());
    }

    /** ONNX Runtime accepts the appended outputs and returns one probability tensor per layer. */
    @Test
    void onnxRuntimeReportsAttentionProbabilities() throws OrtException {
        OnnxAttentionOutputs.Result rewritten = OnnxAttentionOutputs.of(bytes);
        assertEquals(bert.attentionOutputs(), rewritten.outputs());
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[][] ids = {{101, 7592, 2088, 2003, 2307, 102}, {101, 7592, 102, 0, 0, 0}};
        long[][] mask = {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 0, 0, 0}};
        long[][] types = new long[2][6];
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
             OrtSession session = env.createSession(rewritten.model(), options);
             ai.onnxruntime.OnnxTensor idT = ai.onnxruntime.OnnxTensor.createTensor(env, ids);
             ai.onnxruntime.OnnxTensor maskT = ai.onnxruntime.OnnxTensor.createTensor(env, mask);
             ai.onnxruntime.OnnxTensor typeT = ai.onnxruntime.OnnxTensor.createTensor(env, types);
             OrtSession.Result result = session.run(
                     Map.of("input_ids", idT, "attention_mask", maskT, "token_type_ids", typeT),
                     Set.copyOf(rewritten.outputs()))) {
            assertEquals(bert.config().layers(), result.size());
            for (String name : rewritten.outputs()) {
                OnnxValue value = result.get(name).orElseThrow();
                float[][][][] p = (float[][][][]) value.getValue();
                assertEquals(2, p.length);
                assertEquals(bert.config().heads(), p[0].length);
                for (float[][][] batch : p) {
                    for (float[][] head : batch) {
                        assertEquals(6, head.length);
                        for (float[] row : head) {
                            assertEquals(6, row.length);
                            double sum = 0;
                            for (float x : row) sum += x;
                            assertEquals(1.0, sum, 1e-5, name);
                        }
                    }
                }
                // The padded positions of the second sequence get no attention.
                assertEquals(0f, p[1][0][0][4], 1e-6f);
            }
        }
    }
}
