package org.attentionsearch.model;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.attentionsearch.math.PackedMatrix;
import org.attentionsearch.math.HalfMatrix;
import org.attentionsearch.math.QuantizedMatrix;
import org.attentionsearch.testing.SyntheticModels;
import org.attentionsearch.testing.SyntheticModels.Spec;
import org.attentionsearch.text.Encoding;
import org.attentionsearch.weights.Checkpoint;
import org.attentionsearch.weights.ModelLoader;
import org.attentionsearch.weights.SafeTensors;
import org.attentionsearch.weights.Tensor;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hugging Face directories whose safetensors hold F16 or BF16 weights: their matrices are kept
 * in the file's type, BF16 read in place and F16 copied into an array of halves (a GPT-2's
 * Conv1D weights excepted, whose stored rows are not the columns read) and give the logits of the same checkpoint with every weight widened at load.
 */
class HalfSafeTensorsTest {

    private static final String PROMPT = "The bank raised its rates, and then the river flooded the bank where we sat.";

    static Stream<Arguments> models() {
        return Stream.of(Arguments.of(SyntheticModels.llama2(), "F16"), Arguments.of(SyntheticModels.gpt2(), "BF16"));
    }

    @ParameterizedTest
    @MethodSource("models")
    void inPlaceMatchesWidenedAtLoad(Spec spec, String dtype, @TempDir Path dir) throws IOException {
        Path source = SyntheticModels.huggingFace(spec);
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().equals("model.safetensors")) Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        writeHalves(SafeTensors.read(source.resolve("model.safetensors")), dtype, dir.resolve("model.safetensors"));
        Checkpoint checkpoint = ModelLoader.load(dir);
        Model inPlace = Model.load(checkpoint), plain = Model.load(QuantizedGgufTest.dequantized(checkpoint));
        if (spec.architecture() == SyntheticModels.Architecture.GPT2) {
            assertInstanceOf(PackedMatrix.class, inPlace.attention(0).outputWeight(), "a Conv1D weight packed at load");
        } else {
            Class<?> kept = dtype.equals("F16") ? HalfMatrix.class : QuantizedMatrix.class; // F16's halves are copied into an array
            assertInstanceOf(kept, inPlace.attention(0).outputWeight(), "W_O kept in its file's type");
        }
        Encoding e = inPlace.tokenizer().encode(PROMPT);
        int n = e.length(), v = inPlace.config().vocabSize();
        float[] ours = inPlace.forward(List.of(e), true).trace(0).get("logits").data();
        float[] exact = plain.forward(List.of(e), true).trace(0).get("logits").data();
        KeyValueCache cache = new KeyValueCache(inPlace.config());
        double prompt = 0, decoding = 0, scale = 0;
        for (int i = 0; i < n; i++) {
            float[] step = i < 6 ? inPlace.forward(new int[] {e.ids()[i]}, cache, true).trace(0).get("logits").data() : null;
            for (int t = 0; t < v; t++) {
                float x = exact[i * v + t];
                prompt = Math.max(prompt, Math.abs(ours[i * v + t] - x));
                if (step != null) decoding = Math.max(decoding, Math.abs(step[t] - x)); // the first tokens, one at a time
                scale = Math.max(scale, Math.abs(x));
            }
        }
        String what = String.format("%s %s: max |logit| %.3f; from the widened: prompt %.3g, decoding %.3g", spec.fileName(), dtype,
                scale, prompt, decoding);
        assertTrue(prompt <= 1e-4 * scale && decoding <= 1e-4 * scale, what); // only the order of float additions differs
    }

    /** The tensors as a safetensors file of F16 or BF16 values (each float rounded to nearest, ties to even). */
    private static void writeHalves(Map<String, Tensor> tensors, String dtype, Path file) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        List<float[]> values = new ArrayList<>();
        long at = 0;
        for (Tensor t : tensors.values()) {
            float[] data = t.data();
            header.put(t.name(), Map.of("dtype", dtype, "shape", t.shape(), "data_offsets", new long[] {at, at + 2L * data.length}));
            values.add(data);
            at += 2L * data.length;
        }
        StringBuilder json = new StringBuilder(new ObjectMapper().writeValueAsString(header));
        while (json.length() % 8 != 0) json.append(' ');
        byte[] head = json.toString().getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(head.length).array());
            out.write(head);
            for (float[] data : values) {
                ByteBuffer b = ByteBuffer.allocate(2 * data.length).order(ByteOrder.LITTLE_ENDIAN);
                for (float x : data) {
                    int bits = Float.floatToRawIntBits(x);
                    b.putShort(dtype.equals("F16") ? Float.floatToFloat16(x) : (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16));
                }
                out.write(b.array());
            }
        }
    }
}
