package org.attentionsearch.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.util.List;

import org.attentionsearch.model.Model;
import org.attentionsearch.testing.TestModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a hostile page or client meets at the door, sent byte for byte over a raw socket: only
 * loopback Host names pass, the media type is exactly JSON, and every refusal — also those the
 * HTTP layer sends before the app sees the request — carries the security headers.
 */
class WebServerGuardTest {

    private static WebServer server;

    @BeforeAll
    static void start() {
        Model bert = TestModels.MINILM.model();
        server = WebServer.start(bert, "all-MiniLM-L6-v2", "127.0.0.1", 0, WebServer.Limits.defaults());
    }

    @AfterAll
    static void stop() {
        assertEquals(0, server.internalErrors());
        server.close();
    }

    @Test
    void onlyRealLoopbackNamesReachALoopbackServer() throws Exception {
        int port = server.port();
        for (String host : List.of("127.0.0.1.evil.com", "127.attacker.example", "127.0.0.1.", "127.0.0.1.evil.com:" + port,
                "localhost.evil.com", "evil.com", "127.0.0", "127.0.0.1.1", "127.0.0.256", "0177.0.0.1", "127.0.0.1:99999",
                "127.0.0.1:80x", "[::1].evil.com", "[::2]", "[::ffff:127.0.0.1]", "localhost:", "127.0.0.1:8080:1")) {
            String answer = get("/api/model", host);
            assertTrue(answer.startsWith("HTTP/1.1 421") || answer.startsWith("HTTP/1.1 400"), host + " → " + answer);
            assertTrue(!answer.contains("\"layers\""), host + " reached the API");
            assertSecurityHeaders(answer, host);
        }
        for (String host : List.of("localhost", "LOCALHOST:" + port, "127.0.0.1", "127.0.0.1:" + port, "127.1.2.3:8080",
                "127.255.255.255", "[::1]", "[::1]:" + port)) {
            String answer = get("/api/model", host);
            assertTrue(answer.startsWith("HTTP/1.1 200"), host + " → " + answer);
        }
    }

    @Test
    void aServerBoundElsewhereAnswersAnyHostName() throws Exception {
        try (WebServer open = WebServer.start(TestModels.MINILM.model(), "all-MiniLM-L6-v2", "0.0.0.0", 0,
                WebServer.Limits.defaults())) {
            String answer = Http.raw(open.port(), "GET /api/model HTTP/1.1\r\nHost: attention.lan:" + open.port()
                    + "\r\nConnection: close\r\n\r\n", new byte[0], 0);
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            assertSecurityHeaders(answer, "0.0.0.0");
        }
        for (String bound : List.of("0.0.0.0", "192.168.1.10", "example.org", "::")) {
            assertTrue(!WebServer.isLoopbackHost(bound), bound);
        }
        for (String bound : List.of("127.0.0.1", "127.0.1.1", "localhost", "::1", "[::1]")) {
            assertTrue(WebServer.isLoopbackHost(bound), bound);
        }
        assertTrue(!WebServer.isLoopbackHost("127.0.0.1.evil.com"));
    }

    @Test
    void refusalsOfTheHttpLayerCarryTheSecurityHeaders() throws Exception {
        int port = server.port();
        String host = "Host: 127.0.0.1\r\n", close = "Connection: close\r\n\r\n";
        List<List<String>> requests = List.of( // the request, and the status the HTTP layer gives it
                List.of("GET /../../etc/passwd HTTP/1.1\r\n" + host + close, "400"),
                List.of("GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\n" + host + close, "400"),
                List.of("GET /api/model HTTP/1.1\r\nHost: [::1\r\n" + close, "400"),
                List.of("GET /api/model HTTP/1.1\r\nHost: a b\r\n" + close, "400"),
                List.of("GET /api/model HTTP/1.1\r\n" + host + host + close, "400"),
                List.of("GET /api/model HTTP/1.1\r\n" + close, "400"),
                List.of("POST /api/analyze HTTP/1.1\r\n" + host + "Content-Type: application/json\r\nContent-Length: 2\r\n"
                        + "Content-Length: 5\r\n" + close + "{}", "400"),
                List.of("GET /api/model HTTP/1.1\r\n" + host + "X-Big: " + "a".repeat(20_000) + "\r\n" + close, "431"),
                List.of("GET /api/model HTTP/9.9\r\n" + host + "\r\n", "505"),
                List.of("BREW /api/model HTTP/1.1\r\n" + host + close, "404"));
        for (List<String> request : requests) {
            String answer = Http.raw(port, request.get(0), new byte[0], 0);
            String first = request.get(0).substring(0, request.get(0).indexOf(" HTTP/"));
            assertTrue(answer.startsWith("HTTP/1.1 " + request.get(1) + " "), first + " → " + answer);
            assertSecurityHeaders(answer, first);
            assertTrue(answer.contains("{\"error\":"), first + " → " + answer);
        }
    }

    @Test
    void theBodyMustBeExactlyApplicationJson() {
        Http http = new Http(server.port());
        String body = "{\"text\": \"hi\", \"query\": 0, \"top\": 1}";
        for (String type : List.of("application/jsonp", "application/json-patch+json", "application/jsonx; charset=utf-8",
                "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1", "application / json",
                "json")) {
            Http.Answer a = http.post("/api/analyze", type, HttpRequest.BodyPublishers.ofString(body));
            assertEquals(415, a.status(), type + " → " + a.body());
            assertTrue(a.json().get("error").asText().contains("application/json"), a.body());
        }
        for (String type : List.of("application/json", "Application/JSON", "application/json; charset=utf-8",
                "application/json;charset=\"UTF-8\"", "application/json ; charset=utf-8")) {
            Http.Answer a = http.post("/api/analyze", type, HttpRequest.BodyPublishers.ofString(body));
            assertEquals(200, a.status(), type + " → " + a.body());
        }
    }

    private static String get(String path, String host) throws Exception {
        return Http.raw(server.port(), "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n", new byte[0], 0);
    }

    private static void assertSecurityHeaders(String answer, String what) {
        String head = answer.substring(0, Math.max(0, answer.indexOf("\r\n\r\n"))).toLowerCase(java.util.Locale.ROOT);
        assertTrue(head.contains("\r\ncontent-security-policy: default-src 'self';"), what + " → " + answer);
        assertTrue(head.contains("\r\nx-content-type-options: nosniff"), what + " → " + answer);
    }
}
