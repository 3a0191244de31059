package org.attentionsearch.web;

import java.util.Map;
import java.util.function.BiConsumer;

import org.eclipse.jetty.http.HttpFields;

/**
 * The headers every answer carries, whether the app wrote it or the HTTP layer refused the
 * request before the app saw it: nothing runs but this server's own files, nothing is
 * sniffed into another type, framed, cached or leaks its address.
 */
final class SecurityHeaders {

    /** Scripts, styles and connections only from this server; nothing inline, no frames. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static final Map<String, String> HEADERS = orderedMap(
            "Content-Security-Policy", CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options", "nosniff",
            "X-Frame-Options", "DENY",
            "Referrer-Policy", "no-referrer",
            "Cross-Origin-Opener-Policy", "same-origin",
            "Cross-Origin-Resource-Policy", "same-origin",
            "Cache-Control", "no-store");

    private SecurityHeaders() {
    }

    static void forEach(BiConsumer<String, String> header) {
        HEADERS.forEach(header);
    }

    /** Sets them on a response's fields, replacing any value already there (Jetty's own Cache-Control). */
    static void putAll(HttpFields.Mutable fields) {
        HEADERS.forEach(fields::put);
    }

    private static Map<String, String> orderedMap(String... pairs) {
        var map = new java.util.LinkedHashMap<String, String>();
        for (int i = 0; i < pairs.length; i += 2) map.put(pairs[i], pairs[i + 1]);
        return java.util.Collections.unmodifiableMap(map);
    }
}
