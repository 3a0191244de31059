package org.attentionsearch.weights;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.weights.OnnxLayerNorms.LayerNorm;

/**
 * Recovers Hugging Face BERT weights from an exported ONNX graph. Biases, embeddings and
 * LayerNorm parameters keep their names in exports, but MatMul weights are anonymous
 * ({@code onnx::MatMul_787}), so each weight's role is taken from the named bias that the
 * graph adds to its MatMul's output. Numeric suffixes are never interpreted.
 */
final class OnnxBertMapper {

    private static final Pattern LAYER_ROLE = Pattern.compile(
            "encoder\\.layer\\.(\\d+)\\.(attention\\.self\\.query|attention\\.self\\.key|attention\\.self\\.value"
                    + "|attention\\.output\\.dense|intermediate\\.dense|output\\.dense)");
    private static final String[] LINEARS = {"attention.self.query", "attention.self.key", "attention.self.value",
            "attention.output.dense", "intermediate.dense", "output.dense"};
    private static final Set<String> FUSED_OPS = Set.of("Attention", "MultiHeadAttention", "EmbedLayerNormalization",
            "SkipLayerNormalization", "FastGelu", "BiasGelu", "QuantizeLinear", "DequantizeLinear",
            "DynamicQuantizeLinear", "MatMulInteger", "QLinearMatMul", "MatMulNBits", "QAttention", "QOrderedAttention");
    private static final String WORD = "embeddings.word_embeddings.weight";
    private static final String POSITION = "embeddings.position_embeddings.weight";
    private static final String TOKEN_TYPE = "embeddings.token_type_embeddings.weight";

    /** A MatMul (or Gemm) whose output receives a named bias. */
    private record Linear(String role, OnnxNode matmul, OnnxNode add, OnnxTensor weight, boolean weightIsOutIn,
                          OnnxTensor bias) {
        String output() {
            return add.output(0);
        }
    }

    private final OnnxGraph graph;
    private final String file;

    OnnxBertMapper(OnnxGraph graph, String file) {
        this.graph = graph;
        this.file = file;
    }

    OnnxBert map() {
        rejectFusedOperators();
        OnnxTensor word = namedTable(WORD, "not a BERT encoder graph");
        OnnxTensor position = namedTable(POSITION, "absolute position embeddings are required");
        OnnxTensor tokenType = namedTable(TOKEN_TYPE, "token-type embeddings are required");
        if (word.dims().length != 2) fail("tensor " + word.name() + " is not a matrix");
        int hidden = (int) word.dims()[1];

        Map<String, Linear> linears = findLinears();
        int layers = countLayers(linears);
        Map<String, LayerNorm> norms = findLayerNorms(linears, word.name());
        float eps = commonEpsilon(norms);

        List<String> attention = new ArrayList<>();
        int heads = 0;
        for (int l = 0; l < layers; l++) {
            String p = BertTensors.layerPrefix(l);
            for (String r : LINEARS) {
                if (!linears.containsKey(p + r)) fail("layer " + l + " has no " + r + " (a MatMul followed by adding "
                        + p + r + ".bias); unsupported architecture");
            }
            for (String r : new String[] {"attention.output.LayerNorm", "output.LayerNorm"}) {
                if (!norms.containsKey(p + r)) fail("layer " + l + " has no " + r + "; unsupported architecture");
            }
            OnnxNode softmax = attentionSoftmax(linears.get(p + "attention.self.query"),
                    linears.get(p + "attention.self.key"), l);
            attention.add(softmax.output(0));
            int h = heads(linears.get(p + "attention.self.query"), softmax, hidden, l);
            if (heads != 0 && h != heads) fail("layer " + l + " has " + h + " attention heads but earlier layers have " + heads);
            heads = h;
            checkGelu(linears.get(p + "intermediate.dense"), linears.get(p + "output.dense"), l);
        }
        if (new HashSet<>(attention).size() != attention.size()) fail("two layers share one attention Softmax");

        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put(WORD, word.toTensor(WORD, file));
        tensors.put(POSITION, position.toTensor(POSITION, file));
        tensors.put(TOKEN_TYPE, tokenType.toTensor(TOKEN_TYPE, file));
        putNorm(tensors, norms, "embeddings.LayerNorm");
        for (int l = 0; l < layers; l++) {
            String p = BertTensors.layerPrefix(l);
            for (String r : LINEARS) putLinear(tensors, linears.get(p + r));
            putNorm(tensors, norms, p + "attention.output.LayerNorm");
            putNorm(tensors, norms, p + "output.LayerNorm");
        }
        if (linears.containsKey("pooler.dense")) putLinear(tensors, linears.get("pooler.dense"));

        int intermediate = tensors.get(BertTensors.layerPrefix(0) + "intermediate.dense.weight").dim(0);
        ModelConfig config;
        try {
            config = ModelConfig.bert((int) word.dims()[0], hidden, layers, heads, intermediate,
                    (int) position.dims()[0], (int) tokenType.dims()[0], eps);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, "has an inconsistent architecture: " + e.getMessage(), e);
        }
        BertTensors.validate(config, tensors, file);
        return new OnnxBert(config, tensors, List.copyOf(attention), graph);
    }

    // ---- names and constants

    /** Hugging Face names without the "bert." prefix that task-head checkpoints carry. */
    static String hfName(String name) {
        return name.startsWith("bert.") ? name.substring(5) : name;
    }

    private OnnxTensor namedTable(String hf, String why) {
        for (OnnxTensor t : graph.initializers().values()) {
            if (hfName(t.name()).equals(hf)) return t;
        }
        throw fail("has no " + hf + " (" + why + ")");
    }

    /** A constant, also looking through Cast so that a float16 weight is reported by name. */
    private OnnxTensor weightBehind(String value) {
        for (int hops = 0; hops < 4; hops++) {
            OnnxTensor t = graph.constant(value);
            if (t != null) return t;
            OnnxNode p = graph.producer(value);
            if (p == null || !p.is("Cast")) return null;
            value = p.input(0);
        }
        return null;
    }

    private void rejectFusedOperators() {
        for (OnnxNode n : graph.nodes()) {
            boolean foreign = !n.domain().isEmpty() && !n.domain().equals("ai.onnx");
            if (FUSED_OPS.contains(n.opType()) || foreign) {
                fail("uses the operator " + (n.domain().isEmpty() ? "" : n.domain() + ".") + n.opType()
                        + " (an optimized or quantized export), which is not supported; export the plain graph");
            }
        }
    }

    // ---- linear layers

    private Map<String, Linear> findLinears() {
        Map<String, Linear> found = new HashMap<>();
        for (OnnxNode n : graph.nodes()) {
            Linear lin = n.is("Add") ? linearAt(n) : n.is("Gemm") ? gemm(n) : null;
            if (lin == null) continue;
            if (found.put(lin.role(), lin) != null) fail("the bias " + lin.bias().name() + " is applied to two MatMuls");
        }
        return found;
    }

    /** Add(MatMul(x, W), b) in either input order, with b a constant named "<role>.bias". */
    private Linear linearAt(OnnxNode add) {
        if (add.inputs().size() != 2) return null;
        for (int k = 0; k < 2; k++) {
            OnnxTensor bias = graph.constant(add.input(k));
            String role = biasRole(bias);
            if (role == null) continue;
            OnnxNode mm = graph.producer(add.input(1 - k));
            if (mm == null || !mm.is("MatMul") || graph.constant(mm.input(0)) != null) continue;
            OnnxTensor w = weightBehind(mm.input(1));
            if (w != null) return new Linear(role, mm, add, w, false, bias);
        }
        return null;
    }

    /** Gemm(x, W, b): the bias is the third input; transB says whether W is already [out, in]. */
    private Linear gemm(OnnxNode n) {
        String role = biasRole(graph.constant(n.input(2)));
        OnnxTensor w = weightBehind(n.input(1));
        if (role == null || w == null) return null;
        OnnxAttribute transA = n.attribute("transA");
        if (transA != null && transA.i() != 0) fail("Gemm node " + n.name() + " transposes its input; unsupported");
        OnnxAttribute transB = n.attribute("transB");
        return new Linear(role, n, n, w, transB != null && transB.i() != 0, graph.constant(n.input(2)));
    }

    private static String biasRole(OnnxTensor bias) {
        if (bias == null || bias.dims().length != 1) return null;
        String hf = hfName(bias.name());
        return hf.endsWith(".bias") && !hf.contains("LayerNorm") ? hf.substring(0, hf.length() - 5) : null;
    }

    private int countLayers(Map<String, Linear> linears) {
        Set<Integer> seen = new TreeSet<>();
        for (String role : linears.keySet()) {
            Matcher m = LAYER_ROLE.matcher(role);
            if (m.matches()) seen.add(Integer.parseInt(m.group(1)));
        }
        if (seen.isEmpty()) fail("has no encoder layers (no MatMul adds a bias named encoder.layer.N...); not a BERT encoder graph");
        int layers = seen.size();
        for (int l = 0; l < layers; l++) {
            if (!seen.contains(l)) fail("its encoder layers are not numbered 0.." + (layers - 1) + ": " + seen);
        }
        return layers;
    }

    private void putLinear(Map<String, Tensor> into, Linear lin) {
        String weightName = lin.role() + ".weight";
        if (lin.weight().dims().length != 2) fail("the weight of " + lin.role() + " (" + lin.weight().name() + ") is not a matrix");
        Tensor w = lin.weight().toTensor(weightName, file);
        into.put(weightName, lin.weightIsOutIn() ? w : transpose(w));
        into.put(lin.role() + ".bias", lin.bias().toTensor(lin.role() + ".bias", file));
    }

    /** ONNX MatMul multiplies x[.., in] by W[in, out]; PyTorch's Linear stores W as [out, in]. */
    static Tensor transpose(Tensor w) {
        int rows = w.dim(0);
        int cols = w.dim(1);
        float[] src = w.data();
        float[] dst = new float[src.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
        }
        return new Tensor(w.name(), new int[] {cols, rows}, dst);
    }

    // ---- layer norms

    private Map<String, LayerNorm> findLayerNorms(Map<String, Linear> linears, String wordName) {
        Map<String, String> roleByOutput = new HashMap<>();
        for (Linear lin : linears.values()) roleByOutput.put(lin.output(), lin.role());
        Map<String, LayerNorm> found = new HashMap<>();
        for (LayerNorm ln : OnnxLayerNorms.find(graph, file)) {
            String role = normRole(ln, roleByOutput, wordName);
            if (found.put(role, ln) != null) fail("two LayerNorms both look like " + role);
        }
        return found;
    }

    /**
     * Which LayerNorm this is, from where its input comes from: the residual sum after the
     * attention output or FFN output projection, or the sum of the embedding lookups. The
     * parameter names, when they are Hugging Face names, must agree.
     */
    private String normRole(LayerNorm ln, Map<String, String> roleByOutput, String wordName) {
        String role = null;
        OnnxNode sum = graph.producer(ln.input());
        if (sum != null && sum.is("Add")) {
            for (String in : sum.inputs()) {
                String dense = roleByOutput.get(in);
                if (dense != null && dense.endsWith("output.dense")) {
                    role = dense.substring(0, dense.length() - ".dense".length()) + ".LayerNorm";
                }
            }
        }
        if (role == null && sumsLookupOf(ln.input(), wordName, 4)) role = "embeddings.LayerNorm";
        String named = normNameOf(ln.gamma(), ".weight", ".gamma");
        if (role == null) role = named;
        if (role == null) fail("has a LayerNorm (scale " + ln.gamma().name() + ") whose place in the encoder is unclear");
        if (named != null && !named.equals(role)) {
            fail("the LayerNorm scale " + ln.gamma().name() + " is used where the graph has " + role);
        }
        return role;
    }

    private static String normNameOf(OnnxTensor t, String... suffixes) {
        String hf = hfName(t.name());
        for (String s : suffixes) {
            if (hf.endsWith(".LayerNorm" + s)) return hf.substring(0, hf.length() - s.length());
        }
        return null;
    }

    /** Whether a value is a sum (through up to {@code depth} Adds) including a Gather from the table. */
    private boolean sumsLookupOf(String value, String table, int depth) {
        OnnxNode p = graph.producer(value);
        if (p == null || depth == 0) return false;
        if (p.is("Gather")) return table.equals(p.input(0));
        if (!p.is("Add")) return false;
        for (String in : p.inputs()) {
            if (sumsLookupOf(in, table, depth - 1)) return true;
        }
        return false;
    }

    private float commonEpsilon(Map<String, LayerNorm> norms) {
        Set<Float> eps = new LinkedHashSet<>();
        for (LayerNorm ln : norms.values()) eps.add(ln.eps());
        if (eps.isEmpty()) fail("has no LayerNorm; not a BERT encoder graph");
        if (eps.size() > 1) fail("its LayerNorms use different epsilons " + eps + "; unsupported");
        return eps.iterator().next();
    }

    private void putNorm(Map<String, Tensor> into, Map<String, LayerNorm> norms, String role) {
        LayerNorm ln = norms.get(role);
        if (ln == null) fail("has no " + role);
        into.put(role + ".weight", ln.gamma().toTensor(role + ".weight", file));
        into.put(role + ".bias", ln.beta().toTensor(role + ".bias", file));
    }

    // ---- attention

    /** The Softmax reached from the layer's query projection; the key projection must reach it too. */
    private OnnxNode attentionSoftmax(Linear query, Linear key, int layer) {
        OnnxNode fromQuery = firstReachable(query.output(), "Softmax", 12);
        OnnxNode fromKey = firstReachable(key.output(), "Softmax", 12);
        if (fromQuery == null) fail("layer " + layer + " has no Softmax after its query projection; unsupported attention");
        if (fromQuery != fromKey) fail("layer " + layer + "'s query and key do not meet in one Softmax; unsupported attention");
        return fromQuery;
    }

    /** Breadth-first along consumers: the nearest node of the given type, within a node budget. */
    private OnnxNode firstReachable(String value, String op, int maxDepth) {
        ArrayDeque<String> frontier = new ArrayDeque<>(List.of(value));
        Set<String> seen = new HashSet<>(frontier);
        for (int depth = 0; depth < maxDepth && !frontier.isEmpty(); depth++) {
            ArrayDeque<String> next = new ArrayDeque<>();
            for (String v : frontier) {
                for (OnnxNode c : graph.consumers(v)) {
                    if (c.is(op)) return c;
                    for (String out : c.outputs()) {
                        if (seen.add(out)) next.add(out);
                    }
                }
            }
            frontier = next;
        }
        return null;
    }

    /**
     * Heads from two independent places: the [.., heads, headSize] shape the query is reshaped
     * to, and the 1/sqrt(headSize) score scale. Either suffices; when both exist they must agree.
     */
    private int heads(Linear query, OnnxNode softmax, int hidden, int layer) {
        int fromShape = headsFromReshape(query, hidden);
        int headSize = headSizeFromScale(softmax);
        int fromScale = headSize > 0 && hidden % headSize == 0 ? hidden / headSize : 0;
        if (fromShape > 0 && fromScale > 0 && fromShape != fromScale) {
            fail("layer " + layer + " reshapes the query into " + fromShape + " heads but scales scores for "
                    + fromScale + " heads");
        }
        int heads = fromShape > 0 ? fromShape : fromScale;
        if (heads <= 0) fail("the number of attention heads of layer " + layer + " cannot be read from the graph");
        return heads;
    }

    private int headsFromReshape(Linear query, int hidden) {
        for (OnnxNode c : graph.consumers(query.output())) {
            if (!c.is("Reshape")) continue;
            long[] shape = shapeValues(c.input(1));
            if (shape == null || shape.length < 2) continue;
            long h = shape[shape.length - 2];
            long d = shape[shape.length - 1];
            if (h > 0 && d > 0) return h * d == hidden ? (int) h : 0;
            if (d > 0 && hidden % d == 0) return (int) (hidden / d);
            if (h > 0 && d == -1 && hidden % h == 0) return (int) h;
        }
        return 0;
    }

    /** A shape operand: a constant, or a Concat of pieces whose unknown parts become MIN_VALUE. */
    private long[] shapeValues(String value) {
        OnnxTensor t = graph.constant(value);
        if (t != null) return t.longs(file);
        OnnxNode p = graph.producer(value);
        if (p == null || !p.is("Concat")) return null;
        List<Long> parts = new ArrayList<>();
        for (String in : p.inputs()) {
            OnnxTensor piece = graph.constant(in);
            if (piece == null) {
                parts.add(Long.MIN_VALUE); // a runtime dimension, typically one Unsqueezed scalar
            } else {
                for (long v : piece.longs(file)) parts.add(v);
            }
        }
        return parts.stream().mapToLong(Long::longValue).toArray();
    }

    /** From the Div by sqrt(d) or Mul by 1/sqrt(d) applied to the scores MatMul feeding the Softmax. */
    private int headSizeFromScale(OnnxNode softmax) {
        ArrayDeque<OnnxNode> todo = new ArrayDeque<>();
        OnnxNode first = graph.producer(softmax.input(0));
        if (first != null) todo.add(first);
        for (int budget = 0; budget < 6 && !todo.isEmpty(); budget++) {
            OnnxNode n = todo.poll();
            if ((n.is("Div") || n.is("Mul")) && n.inputs().size() == 2) {
                for (int k = 0; k < 2; k++) {
                    Float c = graph.scalarFloat(n.input(k), file);
                    OnnxNode scores = graph.producer(n.input(1 - k));
                    if (c == null || scores == null || !scores.is("MatMul") || (n.is("Div") && k == 0)) continue;
                    double d = n.is("Div") ? (double) c * c : 1.0 / ((double) c * c);
                    long rounded = Math.round(d);
                    if (rounded > 0 && Math.abs(d - rounded) < 1e-3 * rounded) return (int) rounded;
                }
            }
            if (n.is("Add") || n.is("Where") || n.is("Cast")) {
                for (String in : n.inputs()) {
                    OnnxNode p = graph.producer(in);
                    if (p != null) todo.add(p);
                }
            }
        }
        return 0;
    }

    // ---- activation

    /** The ops between the intermediate projection and the output projection must be exact (erf) GELU. */
    private void checkGelu(Linear intermediate, Linear output, int layer) {
        Set<String> ops = new TreeSet<>();
        boolean reached = false;
        ArrayDeque<String> todo = new ArrayDeque<>(List.of(intermediate.output()));
        Set<OnnxNode> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            for (OnnxNode c : graph.consumers(todo.poll())) {
                if (c == output.matmul()) {
                    reached = true;
                    continue;
                }
                if (!seen.add(c)) continue;
                if (seen.size() > 40) fail("layer " + layer + "'s feed-forward activation is not a small subgraph; unsupported");
                if (c.is("Gelu")) {
                    OnnxAttribute approx = c.attribute("approximate");
                    if (approx != null && "tanh".equals(approx.s())) {
                        fail("layer " + layer + " uses tanh-approximated GELU; only exact gelu (erf) is supported");
                    }
                }
                ops.add(c.opType());
                todo.addAll(c.outputs());
            }
        }
        if (!reached) fail("layer " + layer + "'s intermediate projection does not lead to its output projection; unsupported");
        Set<String> exact = Set.of("Div", "Mul", "Add", "Erf", "Constant");
        if (ops.contains("Gelu") && ops.size() == 1) return;
        if (ops.contains("Erf") && exact.containsAll(ops)) return;
        String what = ops.contains("Tanh") ? "tanh-approximated GELU"
                : ops.contains("Relu") ? "ReLU"
                : ops.contains("Sigmoid") ? "a sigmoid-based activation (SiLU or quick GELU)"
                : "the operators " + ops;
        fail("layer " + layer + "'s feed-forward activation is " + what + "; only exact gelu (erf) is supported");
    }

    private ModelFormatException fail(String problem) {
        throw new ModelFormatException(file, problem);
    }
}
