package org.attentionsearch.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.attentionsearch.model.Model;
import org.attentionsearch.weights.Checkpoint;
import org.attentionsearch.weights.ModelFormatException;
import org.attentionsearch.weights.ModelLoader;
import org.junit.jupiter.api.Test;

/**
 * tokenizer.json values that no encoding could use are refused with one bounded sentence when
 * the file is read, not met later as an internal error in the forward pass.
 */
class TokenizerFileHardeningTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static byte[] miniLm() {
        try (InputStream in = ModelLoader.class.getResourceAsStream(ModelLoader.EMBEDDED_TOKENIZER)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** MiniLM's tokenizer.json with one edit. */
    private static byte[] edited(Consumer<ObjectNode> edit) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(miniLm());
            edit.accept(root);
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static ObjectNode postProcessor(ObjectNode root) {
        return (ObjectNode) root.get("post_processor");
    }

    private static TokenizerFormatException refused(byte[] json) {
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizers.fromJson(json, null));
        assertTrue(e.getMessage().length() < 1100 && e.getMessage().lines().count() == 1, e.getMessage());
        return e;
    }

    @Test
    void aTemplateSpecialTokenOutsideTheVocabularyIsRefused() {
        for (int id : new int[] {99_999, 30_522, -1}) {
            byte[] json = edited(root -> ((ObjectNode) postProcessor(root).get("special_tokens").get("[CLS]")).putArray("ids").add(id));
            String message = refused(json).getMessage();
            assertTrue(message.contains("special token \"[CLS]\" has id " + id + ", outside the vocabulary of 30522 tokens"), message);
        }
    }

    @Test
    void aNegativeTypeIdIsRefused() {
        byte[] json = edited(root -> ((ObjectNode) postProcessor(root).get("single").get(1).get("Sequence")).put("type_id", -1));
        assertTrue(refused(json).getMessage().contains("\"type_id\" is -1"));
        json = edited(root -> ((ObjectNode) postProcessor(root).get("single").get(0).get("SpecialToken")).put("type_id", -1));
        assertTrue(refused(json).getMessage().contains("\"type_id\" is -1"));
    }

    /** A type id the tokenizer may give but the model has no row for: the model and its tokenizer disagree. */
    @Test
    void aTypeIdBeyondTheModelsTokenTypesIsRefusedAtLoad() {
        byte[] json = edited(root -> ((ObjectNode) postProcessor(root).get("single").get(0).get("SpecialToken")).put("type_id", 5));
        assertEquals(5, Tokenizers.fromJson(json, null).maxTypeId());
        Checkpoint c = ModelLoader.embedded();
        Checkpoint broken = new Checkpoint(c.config(), c.tensors(), json, c.pooling(), c.source());
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Model.load(broken));
        assertTrue(e.getMessage().contains("gives tokens type 5 but the model has token types 0 to 1 only"), e.getMessage());
    }

    @Test
    void trailingTokensAfterTheObjectAreRefused() {
        byte[] json = miniLm();
        byte[] trailing = (new String(json, StandardCharsets.UTF_8) + "\n{}").getBytes(StandardCharsets.UTF_8);
        assertTrue(refused(trailing).getMessage().contains("not valid JSON"));
    }

    @Test
    void aHugeEchoedValueIsBounded() {
        String huge = "N".repeat(5_000_000);
        byte[] json = edited(root -> root.putObject("normalizer").put("type", huge));
        TokenizerFormatException e = refused(json);
        assertTrue(e.getMessage().length() < 200 && e.getMessage().contains("NNN…"), e.getMessage());
    }

    /** An id far beyond the vocabulary's size would size its tables by a number the file does not back. */
    @Test
    void anIdFarBeyondTheVocabularyIsRefusedAtOnce() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            for (int id : new int[] {Integer.MAX_VALUE, 1 << 30}) {
                byte[] json = edited(root -> ((ObjectNode) root.get("model").get("vocab")).put("zzzz", id));
                assertTrue(refused(json).getMessage().contains("largest id is " + id));
            }
        });
    }
}
