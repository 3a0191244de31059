package org.attentionsearch.web;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors that Jetty answers itself, before the app sees the request (a malformed URI or
 * header), come back as {"error": "…"} like every other refusal, never as an HTML page, and
 * with the same security headers.
 */
final class JsonErrorPages extends ErrorHandler {

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
        SecurityHeaders.putAll(response.getHeaders());
        response.write(true, ByteBuffer.wrap(body(code)), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(new HttpField(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8"));
        SecurityHeaders.putAll(fields);
        return ByteBuffer.wrap(body(status));
    }

    /** Only the status's standard reason: nothing from the request is echoed back. */
    private static byte[] body(int code) {
        String reason = HttpStatus.getMessage(code);
        return ("{\"error\":\"" + (reason == null ? "error " + code : reason.toLowerCase(Locale.ROOT)) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
