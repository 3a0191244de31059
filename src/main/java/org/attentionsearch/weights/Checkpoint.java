package org.attentionsearch.weights;

import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.regex.Pattern;

import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.model.Pooling;

/**
 * A loaded model, independent of the file format it came from.
 *
 * @param config        the architecture
 * @param tensors       every weight under its Hugging Face name (BERT's without a "bert." prefix,
 *                      e.g. {@code encoder.layer.0.attention.self.query.weight}; GPT-2's without
 *                      "transformer."), in PyTorch layout: a Linear weight is [out, in], a GPT-2
 *                      Conv1D weight [in, out]
 * @param tokenizer     where the tokenizer comes from: tokenizer.json (and tokenizer_config.json), or GGUF metadata
 * @param pooling       the pooling the model's files declare, or null when they declare none
 * @param source        where it was loaded from, for messages
 */
public record Checkpoint(ModelConfig config, Map<String, Tensor> tensors, TokenizerSource tokenizer,
                         Pooling pooling, String source) {

    /** A checkpoint with a tokenizer.json and, when not null, a tokenizer_config.json. */
    public Checkpoint(ModelConfig config, Map<String, Tensor> tensors, byte[] tokenizerJson, byte[] tokenizerConfigJson,
                      Pooling pooling, String source) {
        this(config, tensors, new TokenizerSource.Json(tokenizerJson, tokenizerConfigJson), pooling, source);
    }

    /** A checkpoint whose tokenizer is a tokenizer.json alone. */
    public Checkpoint(ModelConfig config, Map<String, Tensor> tensors, byte[] tokenizerJson, Pooling pooling, String source) {
        this(config, tensors, tokenizerJson, null, pooling, source);
    }

    /** The same model declaring {@code pooling}. */
    public Checkpoint withPooling(Pooling pooling) {
        return new Checkpoint(config, tensors, tokenizer, pooling, source);
    }

    /** The tokenizer as a tokenizer.json (converted from GGUF metadata when it came from there). */
    public byte[] tokenizerJson() {
        return tokenizer.tokenizerJson();
    }

    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new ModelFormatException(source, "has no tensor named " + name);
        return t;
    }

    private static final Pattern LAYER_NAME =
            Pattern.compile("^(?:encoder\\.layer|h|model\\.layers|blk)\\.(\\d{1,9})\\.");

    /**
     * Checks that the tensors hold exactly the layers the configuration declares: none missing
     * at the end (a declared count the file does not back would otherwise cost work per declared
     * layer) and none beyond (they would be silently ignored, and a different model computed).
     */
    public static void checkLayers(ModelConfig config, Collection<String> names, String file) {
        int top = -1;
        for (String name : names) {
            var m = LAYER_NAME.matcher(name);
            if (m.find()) top = Math.max(top, Integer.parseInt(m.group(1)));
        }
        if (top + 1 < config.layers()) {
            throw new ModelFormatException(file, "declares " + config.layers() + " layers but holds weights for "
                    + (top + 1) + (top + 1 == 1 ? " layer" : " layers"));
        }
        if (top + 1 > config.layers()) {
            throw new ModelFormatException(file, "holds weights for layer " + top + ", but its configuration declares only "
                    + config.layers() + (config.layers() == 1 ? " layer" : " layers"));
        }
    }

    /** The values of a tensor that must exist with this shape. */
    public float[] floats(String name, int... shape) {
        return requireShape(name, shape).data();
    }

    /**
     * A tensor that must exist with this shape, its values not yet read: checking a file's own
     * sizes first keeps a configuration's declared ones from costing anything they do not back.
     */
    public Tensor requireShape(String name, int... shape) {
        Tensor t = tensor(name);
        if (!Arrays.equals(t.shape(), shape)) {
            throw new ModelFormatException(source, "tensor " + name + " has shape " + t.shapeString()
                    + " but the configuration needs " + Arrays.toString(shape));
        }
        return t;
    }

    /** The values of a tensor that may be absent (null then), checked against this shape when present. */
    public float[] optionalFloats(String name, int... shape) {
        return tensors.containsKey(name) ? floats(name, shape) : null;
    }
}
