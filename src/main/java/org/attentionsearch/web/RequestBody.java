package org.attentionsearch.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Reads a request body up to a cap. A declared Content-Length over the cap is refused without
 * keeping a byte; a body without one (chunked) is kept only until it passes the cap. Either way
 * the rest is read and dropped (up to 8 MiB; a larger declared body is refused at once) so the
 * client receives the refusal. Its declared type must be JSON.
 */
final class RequestBody {

    private RequestBody() {
    }

    /**
     * A body over the cap is still read, up to this much, and thrown away before the refusal is
     * sent: a server that answers while the client is still sending and then closes resets the
     * connection, and the client never sees the 413.
     */
    private static final long DRAIN_BYTES = 8L << 20;

    static byte[] read(HttpServletRequest request, int maxBytes) {
        long declared = request.getContentLengthLong();
        try (InputStream in = request.getInputStream()) {
            if (declared > maxBytes) {
                if (declared <= DRAIN_BYTES) drain(in); // a larger one is refused at once, the connection closed
                throw tooLarge(maxBytes);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) declared : 1024);
            byte[] buffer = new byte[8192];
            int total = 0;
            for (int r; (r = in.read(buffer)) > 0; ) {
                total += r;
                if (total > maxBytes) {
                    drain(in);
                    throw tooLarge(maxBytes);
                }
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

    /** Reads and drops what is left of a body, up to {@link #DRAIN_BYTES}. */
    private static void drain(InputStream in) {
        byte[] buffer = new byte[8192];
        try {
            for (long left = DRAIN_BYTES, r; left > 0 && (r = in.read(buffer)) > 0; left -= r) {
                // dropped
            }
        } catch (IOException e) {
            // the client has gone: nothing to answer
        }
    }

    private static String clip(String s) {
        return s.length() <= 20 ? s : s.substring(0, 20) + "…";
    }

    private static ApiException tooLarge(int maxBytes) {
        return ApiException.tooLarge("the request body is larger than " + (maxBytes / 1024) + " KiB");
    }
}
