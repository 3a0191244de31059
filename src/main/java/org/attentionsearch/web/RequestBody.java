package org.attentionsearch.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Reads a request body up to a cap. A declared Content-Length over the cap is refused before
 * a byte is read; a body without one (chunked) is read only until it passes the cap.
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

    private static ApiException tooLarge(int maxBytes) {
        return ApiException.tooLarge("the request body is larger than " + (maxBytes / 1024) + " KiB");
    }
}
