package org.attentionsearch.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Set;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Request bodies read strictly and answers written compactly, with the checks every endpoint's fields share. */
final class JsonBody {

    /** A key given twice is an error, not a silent "last one wins". */
    static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

    private JsonBody() {
    }

    interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    static JsonNode parse(byte[] body) {
        if (body.length == 0) throw ApiException.badRequest("the body is empty; send a JSON object such as {\"text\": \"…\"}");
        try (JsonParser p = JSON.createParser(body)) {
            JsonNode node = JSON.readTree(p);
            if (p.nextToken() != null) throw ApiException.badRequest("malformed JSON: extra content after the object");
            if (node == null || !node.isObject()) throw ApiException.badRequest("the body must be a JSON object");
            return node;
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("the body could not be read as JSON");
        }
    }

    /** One JSON object with the given fields. */
    static byte[] object(Fields fields) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            g.writeStartObject();
            fields.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static void checkFields(JsonNode object, Set<String> allowed, String prefix) {
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!allowed.contains(name)) {
                throw ApiException.badRequest("unknown field \"" + prefix + clip(name) + "\"; known fields are "
                        + String.join(", ", allowed.stream().sorted().map(f -> prefix + f).toList()));
            }
        }
    }

    /** A required non-blank string of at most {@code maxChars} (413 past that). */
    static String text(JsonNode body, String field, int maxChars) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) throw ApiException.badRequest("\"" + field + "\" is required");
        if (!node.isTextual()) throw ApiException.badRequest("\"" + field + "\" must be a string");
        String text = node.textValue();
        if (text.isBlank()) throw ApiException.badRequest("\"" + field + "\" is empty");
        if (text.length() > maxChars) {
            throw ApiException.tooLarge("\"" + field + "\" has " + text.length() + " characters; the limit is " + maxChars);
        }
        return text;
    }

    static Integer optionalInt(JsonNode node, String field, int min, int max) {
        if (node == null || node.isNull()) return null;
        if (!node.isIntegralNumber() || !node.canConvertToInt()) throw ApiException.badRequest("\"" + field + "\" must be an integer");
        int v = node.intValue();
        if (v < min || v > max) {
            throw ApiException.badRequest("\"" + field + "\" is " + v + ", out of range "
                    + (max == Integer.MAX_VALUE ? "(at least " + min + ")" : min + ".." + max));
        }
        return v;
    }

    static int requiredInt(JsonNode body, String field, int min, int max) {
        Integer v = optionalInt(body.get(field), field, min, max);
        if (v == null) throw ApiException.badRequest("\"" + field + "\" is required");
        return v;
    }

    static Double optionalNumber(JsonNode node, String field, double min, double max) {
        if (node == null || node.isNull()) return null;
        if (!node.isNumber()) throw ApiException.badRequest("\"" + field + "\" must be a number");
        double v = node.doubleValue();
        if (!(v >= min && v <= max)) throw ApiException.badRequest("\"" + field + "\" is " + v + ", out of range " + min + ".." + max);
        return v;
    }

    static boolean optionalBoolean(JsonNode node, String field) {
        if (node == null || node.isNull()) return false;
        if (!node.isBoolean()) throw ApiException.badRequest("\"" + field + "\" must be true or false");
        return node.booleanValue();
    }

    /** Client strings quoted back in errors are kept short. */
    static String clip(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
