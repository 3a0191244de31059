package org.attentionsearch.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Reads a request body up to a cap. A declared Content-Length over the cap is refused before
 * a byte is read; a body without one (chunked) is read only until it passes the cap. Its
 * declared type must be JSON.
 */
final class RequestBody {

    private RequestBody() {
    }

    static byte[] read(HttpServletRequest request, int maxBytes) {
        long declared = request.getContentLengthLong();
        if (declared > maxBytes) throw tooLarge(maxBytes);
        try (InputStream in = request.getInputStream()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) declared : 1024);
            byte[] buffer = new byte[8192];
            int total = 0;
            for (int r; (r = in.read(buffer)) > 0; ) {
                total += r;
                if (total > maxBytes) throw tooLarge(maxBytes);
                out.write(buffer, 0, r);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw ApiException.badRequest("the request body could not be read");
        }
    }

    /**
     * The media type must be exactly application/json (any case); parameters may follow, and a
     * charset among them must be UTF-8, the only encoding JSON has (RFC 8259). Look-alikes such as
     * application/jsonp or application/json-patch+json are other formats and are refused.
     */
    static void requireJson(String contentType) {
        String[] parts = contentType == null ? new String[] {""} : contentType.split(";", -1);
        if (!parts[0].strip().toLowerCase(Locale.ROOT).equals("application/json")) {
            throw new ApiException(415, "send the body as Content-Type: application/json");
        }
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq < 0 || !parts[i].substring(0, eq).strip().equalsIgnoreCase("charset")) continue;
            String charset = parts[i].substring(eq + 1).strip();
            if (charset.length() >= 2 && charset.startsWith("\"") && charset.endsWith("\"")) {
                charset = charset.substring(1, charset.length() - 1);
            }
            if (!charset.equalsIgnoreCase("utf-8")) {
                throw new ApiException(415, "send the body as Content-Type: application/json in UTF-8, not " + clip(charset));
            }
        }
    }

    private static String clip(String s) {
        return s.length() <= 20 ? s : s.substring(0, 20) + "…";
    }

    private static ApiException tooLarge(int maxBytes) {
        return ApiException.tooLarge("the request body is larger than " + (maxBytes / 1024) + " KiB");
    }
}
