package org.attentionsearch.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.attentionsearch.model.ModelConfig;
import org.junit.jupiter.api.Test;

/** all-MiniLM-L6-v2 as shipped in langchain4j's jar; also the malformed-input cases. */
class MiniLmOnnxTest extends OnnxBertModelTestBase {

    @Override
    String resource() {
        return "/all-minilm-l6-v2.onnx";
    }

    @Override
    ModelConfig publishedConfig() {
        return ModelConfig.bert(30522, 384, 6, 12, 1536, 512, 2, 1e-12f);
    }

    private static ModelFormatException refused(Runnable r) {
        ModelFormatException e = assertThrows(ModelFormatException.class, r::run);
        assertEquals("bad.onnx", e.file());
        assertTrue(e.getMessage().startsWith("bad.onnx: "), e.getMessage());
        return e;
    }

    @Test
    void truncatedFilesAreRefused() {
        for (int cut : new int[] {bytes.length / 2, bytes.length - 1, 1000, 3}) {
            refused(() -> OnnxBert.read(Arrays.copyOf(bytes, cut), "bad.onnx"));
        }
    }

    @Test
    void garbageIsRefused() {
        byte[] garbage = new byte[4096];
        new Random(7).nextBytes(garbage);
        refused(() -> OnnxBert.read(garbage, "bad.onnx"));
        refused(() -> OnnxBert.read(new byte[0], "bad.onnx"));
        refused(() -> OnnxBert.read("{\"not\": \"onnx\"}".getBytes(), "bad.onnx"));
    }

    @Test
    void aWeightOfAnotherDataTypeIsNamed() {
        OnnxGraph g = Graphs.rewrite(bert.graph(), n -> n, t -> t.name().equals("encoder.layer.0.attention.self.key.bias")
                ? new OnnxTensor(t.name(), 10, t.dims(), t.rawData(), null, null, null, null) : t);
        ModelFormatException e = refused(() -> OnnxBert.from(g, "bad.onnx"));
        assertTrue(e.getMessage().contains("encoder.layer.0.attention.self.key.bias"), e.getMessage());
        assertTrue(e.getMessage().contains("FLOAT16"), e.getMessage());
    }

    @Test
    void aWeightThatIsNotAFiniteNumberIsNamed() {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
            OnnxGraph g = Graphs.rewrite(bert.graph(), n -> n, t -> {
                if (!t.name().equals("encoder.layer.0.attention.self.key.bias")) return t;
                float[] values = t.floats("m.onnx");
                values[100] = bad;
                return new OnnxTensor(t.name(), t.dataType(), t.dims(), null, values, null, null, null);
            });
            ModelFormatException e = refused(() -> OnnxBert.from(g, "bad.onnx"));
            assertTrue(e.getMessage().contains("tensor encoder.layer.0.attention.self.key.bias holds a value that is not a finite number"
                    + " (element 100)"), e.getMessage());
        }
    }

    @Test
    void externalDataIsRefusedClearly() {
        OnnxGraph g = Graphs.rewrite(bert.graph(), n -> n, t -> t.name().equals("embeddings.word_embeddings.weight")
                ? new OnnxTensor(t.name(), t.dataType(), t.dims(), null, null, null, null, "model.onnx.data") : t);
        ModelFormatException e = refused(() -> OnnxBert.from(g, "bad.onnx"));
        assertTrue(e.getMessage().contains("external"), e.getMessage());
        assertTrue(e.getMessage().contains("model.onnx.data"), e.getMessage());
    }

    @Test
    void anApproximatedActivationIsRefused() {
        OnnxGraph g = Graphs.rewrite(bert.graph(), n -> n.is("Erf") ? Graphs.withOp(n, "Tanh") : n, t -> t);
        ModelFormatException e = refused(() -> OnnxBert.from(g, "bad.onnx"));
        assertTrue(e.getMessage().contains("tanh"), e.getMessage());
    }

    @Test
    void aGraphWithoutEncoderLayersIsRefused() {
        OnnxGraph g = Graphs.rewrite(bert.graph(), n -> n.is("MatMul") ? Graphs.withOp(n, "Gemm") : n, t -> t);
        ModelFormatException e = refused(() -> OnnxBert.from(g, "bad.onnx"));
        assertTrue(e.getMessage().contains("encoder"), e.getMessage());
    }

    @Test
    void differingHeadCountsAreCaught() {
        // Scale the scores as if heads were 64 wide: the Reshape says 12 heads, the scale says 6.
        OnnxGraph scaled = Graphs.rewrite(bert.graph(), n -> {
            if (!n.is("Constant") || n.attribute("value") == null) return n;
            OnnxTensor v = n.attribute("value").t();
            if (v.dataType() != OnnxTensor.FLOAT || v.elementCount() != 1
                    || Math.abs(v.floats("t")[0] - Math.sqrt(32)) > 1e-5) return n;
            OnnxTensor eight = new OnnxTensor(v.name(), OnnxTensor.FLOAT, v.dims(), null, new float[] {8f}, null, null, null);
            var attrs = new java.util.LinkedHashMap<>(n.attributes());
            attrs.put("value", new OnnxAttribute("value", OnnxAttribute.TENSOR, 0, 0, null, eight, null, null));
            return new OnnxNode(n.name(), n.opType(), n.domain(), n.inputs(), n.outputs(), attrs);
        }, t -> t);
        ModelFormatException e = refused(() -> OnnxBert.from(scaled, "bad.onnx"));
        assertTrue(e.getMessage().contains("12 heads") && e.getMessage().contains("6 heads"), e.getMessage());
    }

    private void assertSameAsOriginal(OnnxBert other) {
        assertEquals(bert.config(), other.config());
        assertEquals(bert.tensors().keySet(), other.tensors().keySet());
        bert.tensors().forEach((name, t) -> org.junit.jupiter.api.Assertions.assertArrayEquals(
                t.data(), other.tensors().get(name).data(), name));
    }

    /** Each decomposed LayerNorm replaced by one LayerNormalization node, as newer exporters write it. */
    @Test
    void fusedLayerNormalizationNodesAreReadToo() {
        OnnxGraph g = bert.graph();
        OnnxAttribute eps = new OnnxAttribute("epsilon", OnnxAttribute.FLOAT, 1e-12f, 0, null, null, null, null);
        OnnxAttribute axis = new OnnxAttribute("axis", OnnxAttribute.INT, 0, -1, null, null, null, null);
        int[] fused = {0};
        OnnxGraph rewritten = Graphs.rewrite(g, n -> {
            String beta = n.is("Add") ? n.inputs().stream().filter(i -> i.endsWith("LayerNorm.bias")).findFirst().orElse(null) : null;
            if (beta == null) return n;
            OnnxNode mul = g.producer(n.input(0).equals(beta) ? n.input(1) : n.input(0));
            String gamma = mul.inputs().stream().filter(i -> i.endsWith("LayerNorm.weight")).findFirst().orElseThrow();
            OnnxNode div = g.producer(mul.input(0).equals(gamma) ? mul.input(1) : mul.input(0));
            String x = g.producer(div.input(0)).input(0);
            fused[0]++;
            return new OnnxNode(n.name(), "LayerNormalization", "", List.of(x, gamma, beta), n.outputs(),
                    Map.of("epsilon", eps, "axis", axis));
        }, t -> t);
        assertEquals(1 + 2 * 6, fused[0]);
        assertSameAsOriginal(OnnxBert.from(rewritten, "fused"));
    }

    @Test
    void aBertPrefixOnNamesIsDropped() {
        Map<String, String> names = new HashMap<>();
        for (String n : bert.graph().initializers().keySet()) if (!n.startsWith("onnx::")) names.put(n, "bert." + n);
        assertSameAsOriginal(OnnxBert.from(Graphs.rename(bert.graph(), names), "prefixed"));
    }
}
