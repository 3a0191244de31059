package org.attentionsearch.text;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Reading tokenizer files: JSON parsing and typed fields, every problem as one-sentence {@link TokenizerFormatException}. */
final class Json {
    private Json() {}

    // Field names are not canonicalized (pooled and interned): a vocabulary's tens of thousands of
    // names are each seen once, so pooling them only cost time, two thirds of a tokenizer.json's parse.
    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES).build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** The JSON object in {@code bytes}; {@code what} names the file in messages ("tokenizer file"). */
    static JsonNode parseObject(byte[] bytes, String what) {
        JsonNode root;
        try {
            root = MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            String why = e.getOriginalMessage() == null ? "unreadable" : e.getOriginalMessage().lines().findFirst().orElse("");
            throw new TokenizerFormatException("The " + what + " is not valid JSON (" + why + ").", e);
        } catch (IOException e) {
            throw new TokenizerFormatException("The " + what + " could not be read as JSON.", e);
        }
        if (root == null || !root.isObject()) {
            throw new TokenizerFormatException("The " + what + " must contain a JSON object.");
        }
        return root;
    }

    static boolean isAbsent(JsonNode n) {
        return n == null || n.isNull() || n.isMissingNode();
    }

    static String string(JsonNode n, String field, String fallback, String where) {
        JsonNode v = n.get(field);
        if (isAbsent(v)) {
            return fallback;
        }
        if (!v.isTextual()) {
            throw new TokenizerFormatException("The " + where + "'s \"" + field + "\" must be a string.");
        }
        return v.textValue();
    }

    static String requireString(JsonNode n, String field, String where) {
        String s = string(n, field, null, where);
        if (s == null) {
            throw new TokenizerFormatException("The " + where + " has no \"" + field + "\".");
        }
        return s;
    }

    static int integer(JsonNode n, String field, int fallback, String where) {
        JsonNode v = n.get(field);
        if (isAbsent(v)) {
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new TokenizerFormatException("The " + where + "'s \"" + field + "\" must be an integer.");
        }
        return v.intValue();
    }

    static boolean bool(JsonNode n, String field, boolean fallback, String where) {
        JsonNode v = n.get(field);
        if (isAbsent(v)) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw new TokenizerFormatException("The " + where + "'s \"" + field + "\" must be true or false.");
        }
        return v.booleanValue();
    }

    /** A single character given as a one-code-point string. */
    static int character(JsonNode n, String field, int fallback, String where) {
        String s = string(n, field, null, where);
        if (s == null) {
            return fallback;
        }
        if (s.codePointCount(0, s.length()) != 1) {
            throw new TokenizerFormatException("The " + where + "'s \"" + field + "\" must be a single character.");
        }
        return s.codePointAt(0);
    }
}
