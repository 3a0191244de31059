package org.attentionsearch.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.List;

import org.openqa.selenium.WebDriver;

/**
 * A server on a free loopback port with these models and a headless Chromium of one window size:
 * what every browser test starts with. Closing it checks that the server met no internal error.
 */
record BrowserSession(WebServer server, Http http, Browser browser, WebDriver driver, String base) implements AutoCloseable {

    static BrowserSession start(List<ServedModel> models, int width, int height) throws IOException {
        return start(WebServer.start(models, "127.0.0.1", 0, WebServer.Limits.defaults()), width, height);
    }

    /** A Chromium on a server already started on a loopback address. */
    static BrowserSession start(WebServer server, int width, int height) throws IOException {
        Browser browser = new Browser(width, height);
        return new BrowserSession(server, new Http(server.port()), browser, browser.driver,
                "http://127.0.0.1:" + server.port() + "/");
    }

    @Override
    public void close() throws IOException {
        try {
            browser.close();
        } finally {
            assertEquals(0, server.internalErrors());
            server.close();
        }
    }
}
