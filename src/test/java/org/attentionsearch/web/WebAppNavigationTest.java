package org.attentionsearch.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionsearch.testing.TestModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web app as a new user met it: Back and Forward, links that ask for what is not there, a
 * 512-token text, the numbers' names and scale, and the small confirmations; screenshots at a
 * desktop and a phone size go to target/screenshots.
 */
class WebAppNavigationTest {

    private static final String TEXT = WebServerTest.TEXT;
    private static BrowserSession session;
    private static WebServer server;
    private static Http http;
    private static WebDriver driver;
    private static String base;

    @BeforeAll
    static void start() throws IOException {
        session = BrowserSession.start(ServedModel.named(List.of("all-MiniLM-L6-v2"), List.of(TestModels.MINILM.model())), 1400, 1000);
        server = session.server();
        http = session.http();
        driver = session.driver();
        base = session.base();
    }

    @AfterAll
    static void stop() throws IOException {
        if (session != null) session.close();
    }

    @BeforeEach
    void freshPage() {
        driver.manage().window().setSize(new Dimension(1400, 1000));
        driver.get("about:blank");
        driver.get(base);
        waitFor(d -> !d.findElement(By.id("model-line")).getText().isEmpty());
    }

    @Test
    void backAndForwardWalkTheSearchesAndSelections() {
        search(TEXT);
        waitForTitle("token 1 ·");
        int deposit = tokenIndex("deposit");
        driver.findElement(By.cssSelector("#tokens [data-index='" + deposit + "']")).click();
        waitForTitle("token " + deposit + " ·");
        new Select(driver.findElement(By.id("layer"))).selectByValue("4");
        waitForTitle("layer 4, value-weighted blend");
        driver.findElement(By.cssSelector(".cell[data-layer='4'][data-head='9']")).click();
        waitForTitle("layer 4, head 9");

        driver.navigate().back();
        waitForTitle("token " + deposit + " · layer 4, value-weighted blend");
        driver.navigate().back();
        waitForTitle("token " + deposit + " · layer 2, value-weighted blend");
        driver.navigate().back();
        waitForTitle("token 1 · layer 2");
        driver.navigate().back();
        waitFor(d -> d.findElement(By.tagName("body")).getDomAttribute("class").contains("home"));
        assertTrue(driver.getCurrentUrl().startsWith(base), "still the app: " + driver.getCurrentUrl());

        driver.navigate().forward();
        waitForTitle("token 1 · layer 2");
        driver.navigate().forward();
        driver.navigate().forward();
        waitForTitle("token " + deposit + " · layer 4, value-weighted blend");
        driver.navigate().forward();
        waitForTitle("layer 4, head 9");
        assertEquals(String.valueOf(deposit), driver.findElement(By.cssSelector("#tokens [aria-selected='true']")).getDomAttribute("data-index"));
    }

    @Test
    void aLinkThatAsksForWhatIsNotThereSaysSo() {
        driver.get(base + "#text=" + encode(TEXT) + "&token=99&layer=9&head=banana");
        waitFor(d -> d.findElement(By.id("results-title")).getText().startsWith("Results for"));
        String alert = waitFor(d -> {
            String a = d.findElement(By.id("alert")).getText();
            return a.isEmpty() ? null : a;
        });
        assertTrue(alert.contains("layer=9 is not a layer of this model (0–5)"), alert);
        assertTrue(alert.contains("head=banana is not a head of this model"), alert);
        assertTrue(alert.contains("token=99 is not in this text"), alert);
        waitForTitle("token 1 ·");
    }

    @Test
    void emptySearchCopyLinkLogoAndBarsSayWhatTheyAre() {
        WebElement box = driver.findElement(By.id("q"));
        box.sendKeys(Keys.ENTER);
        waitFor(d -> d.findElement(By.id("alert")).getText().contains("an empty search has no tokens"));

        for (int width : new int[] {1400, 1180}) {
            driver.manage().window().setSize(new Dimension(width, 1000));
            search(TEXT);
            Map<?, ?> brand = (Map<?, ?>) js("const b = document.querySelector('.brand a');"
                    + "const s = document.querySelector('.search-box').getBoundingClientRect();"
                    + "const r = b.getBoundingClientRect(); const last = b.querySelector('.brand-s').getBoundingClientRect();"
                    + "return {right: last.right, searchLeft: s.left, fits: b.parentElement.scrollWidth <= b.parentElement.clientWidth + 1};");
            assertTrue(((Number) brand.get("right")).doubleValue() <= ((Number) brand.get("searchLeft")).doubleValue(),
                    "the logo ends before the search box at " + width + " px: " + brand);
            assertTrue((Boolean) brand.get("fits"), "the logo is whole at " + width + " px");
        }

        // The default view is named a blend, its number a value share; the bars run from 0 to 1.
        assertTrue(driver.findElement(By.id("measure-note")).getText().startsWith("Value share: a blend of the layer's heads"));
        assertTrue(driver.findElement(By.id("stats")).getText().contains("effective results"));
        assertTrue(driver.findElement(By.id("measure-note")).getText().contains("Effective results: exp(entropy)"));
        assertTrue(driver.findElement(By.cssSelector("#result-list .metrics")).getText().startsWith("value share "));
        for (WebElement li : driver.findElements(By.cssSelector("#result-list .result"))) {
            double weight = Double.parseDouble(li.getDomAttribute("data-weight"));
            double fill = ((Number) js("const f = arguments[0].querySelector('.bar-fill'); return f.getBoundingClientRect().width"
                    + " / f.parentElement.getBoundingClientRect().width;", li)).doubleValue();
            assertEquals(weight, fill, 0.02, "bar on the scale 0 … 1");
        }

        driver.findElement(By.id("copy-link")).click();
        waitFor(d -> d.findElement(By.id("copy-link")).getText().equals("Link copied ✓")
                || d.findElement(By.id("alert")).getText().contains("copy this address"));
    }

    @Test
    void aLongTextHasACompactStripMoreResultsAHeatmapAndFastLayerSwitches() {
        StringBuilder text = new StringBuilder();
        String[] sentences = {"The bank by the river flooded after the storm.", "She paid the money into her account at the bank.",
                "Rates rose when the central bank met in spring.", "Fish swam under the bridge near the old mill."};
        for (int i = 0; text.length() < 2400; i++) text.append(sentences[i % sentences.length]).append(' ');
        String long_ = text.toString().strip();
        int n = http.analyze("{\"text\": " + WebServerTest.quote(long_) + ", \"query\": 0, \"top\": 1}").get("tokens").size();
        assertTrue(n >= 480 && n <= 512, "about 500 tokens: " + n);

        search(long_);
        WebElement strip = driver.findElement(By.id("tokens"));
        assertTrue(strip.getDomAttribute("class").contains("long"));
        assertTrue(strip.getSize().getHeight() < 160, "compact: " + strip.getSize());
        assertTrue(driver.findElement(By.id("result-list")).getLocation().getY() < 1000, "the results start on the first screen");

        // A query far down the text: the strip scrolls to keep it in view.
        int far = n - 20;
        js("document.querySelector(\"#tokens [data-index='" + far + "']\").click()");
        waitForTitle("token " + far + " ·");
        Map<?, ?> view = (Map<?, ?>) js("const s = document.getElementById('tokens').getBoundingClientRect();"
                + "const t = document.querySelector(\"#tokens [aria-selected='true']\").getBoundingClientRect();"
                + "return {top: t.top - s.top, bottom: s.bottom - t.bottom};");
        assertTrue(((Number) view.get("top")).doubleValue() >= 0 && ((Number) view.get("bottom")).doubleValue() >= 0, "in view: " + view);

        // More results: the next twenty of the same page, as the API ranks them.
        driver.findElement(By.id("more-results")).click();
        waitFor(d -> d.findElements(By.cssSelector("#result-list .result")).size() == 30);
        JsonNode page = http.analyze("{\"text\": " + WebServerTest.quote(long_) + ", \"query\": " + far + ", \"layer\": 2, \"top\": 30}")
                .get("pages").get(0);
        List<WebElement> shown = driver.findElements(By.cssSelector("#result-list .result"));
        for (int r = 0; r < 30; r++) assertEquals(page.get("results").get(r).get("key").asText(), shown.get(r).getDomAttribute("data-key"));
        assertTrue(driver.findElement(By.id("more-results")).getText().contains("30 of " + n));

        // The large map: hover a cell, its tokens and largest weight appear; checked against the API's rows.
        new Select(driver.findElement(By.id("head"))).selectByValue("3");
        waitForTitle("layer 2, head 3");
        WebElement map = driver.findElement(By.id("heatmap"));
        new Actions(driver).moveToElement(map, map.getSize().getWidth() / 4, -map.getSize().getHeight() / 4).perform();
        WebElement tip = waitFor(d -> {
            WebElement t = d.findElement(By.id("heatmap-tip"));
            return t.isDisplayed() ? t : null;
        });
        assertTrue(tip.getText().matches("query \\d+–\\d+ → key \\d+–\\d+: largest weight \\d\\.\\d{3}"), tip.getText());
        String[] parts = tip.getText().split("[ –:]+");
        int q0 = Integer.parseInt(parts[1]), q1 = Integer.parseInt(parts[2]), k0 = Integer.parseInt(parts[5]), k1 = Integer.parseInt(parts[6]);
        double largest = 0;
        for (int q = q0; q <= q1; q++) {
            JsonNode results = http.analyze("{\"text\": " + WebServerTest.quote(long_) + ", \"query\": " + q
                    + ", \"layer\": 2, \"head\": 3, \"top\": \"all\"}").get("pages").get(0).get("results");
            for (JsonNode r : results) if (r.get("key").asInt() >= k0 && r.get("key").asInt() <= k1) largest = Math.max(largest, r.get("weight").asDouble());
        }
        assertEquals(largest, Double.parseDouble(tip.getDomAttribute("data-weight")), 0.0006);

        // A layer switch, from the change to the new page on screen, timed in the browser; and of
        // that, when the server's answer had arrived (the rest is the page's own work and the frame).
        List<Double> millis = new ArrayList<>(), answered = new ArrayList<>();
        for (int round = 0; round < 8; round++) {
            int layer = round % 2 == 0 ? 3 : 2;
            Map<?, ?> t = (Map<?, ?>) ((JavascriptExecutor) driver).executeAsyncScript(
                    "const done = arguments[arguments.length - 1], layer = arguments[0];"
                            + "const title = document.getElementById('results-title'), select = document.getElementById('layer');"
                            + "performance.clearResourceTimings();"
                            + "const t0 = performance.now();"
                            + "const seen = new MutationObserver(() => { if (title.textContent.includes('layer ' + layer + ',')) {"
                            + "  seen.disconnect(); requestAnimationFrame(() => {"
                            + "    const answer = performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/api/analyze')).pop();"
                            + "    done({total: performance.now() - t0, answered: answer ? answer.responseEnd - t0 : -1}); }); } });"
                            + "seen.observe(title, {childList: true, subtree: true, characterData: true});"
                            + "select.value = String(layer); select.dispatchEvent(new Event('change'));", layer);
            millis.add(((Number) t.get("total")).doubleValue());
            answered.add(((Number) t.get("answered")).doubleValue());
        }
        Collections.sort(millis);
        Collections.sort(answered);
        System.out.println("layer switch, " + n + " tokens, in the browser (performance.now, 8 switches): median "
                + Math.round(millis.get(4)) + " ms, best " + Math.round(millis.getFirst()) + " ms, worst " + Math.round(millis.getLast())
                + " ms; the answer in the browser after a median " + Math.round(answered.get(4)) + " ms; the server's part of the last: "
                + driver.findElement(By.id("stats")).getText().replaceAll("^About \\d+ results \\(|\\).*$", ""));

        // What a switch shows is the new layer's: its results as the API ranks them, its map, its math.
        new Select(driver.findElement(By.id("layer"))).selectByValue("4");
        waitForTitle("token " + far + " · layer 4, head 3");
        assertResultsAreTheApis(long_, far, "\"layer\": 4, \"head\": 3");
        assertTrue(driver.findElement(By.id("heatmap-title")).getText().startsWith("Layer 4, head 3"));
        assertEquals(List.of("4/3"), driver.findElements(By.cssSelector(".cell.selected")).stream()
                .map(c -> c.getDomAttribute("data-layer") + "/" + c.getDomAttribute("data-head")).toList());
        waitFor(d -> d.findElement(By.cssSelector("#math .math-title")).getText().endsWith("layer 4, head 3"));
        new Select(driver.findElement(By.id("head"))).selectByValue("value");
        waitForTitle("layer 4, value-weighted blend");
        new Select(driver.findElement(By.id("layer"))).selectByValue("1");
        waitForTitle("token " + far + " · layer 1, value-weighted blend");
        assertResultsAreTheApis(long_, far, "\"layer\": 1, \"head\": \"value\"");
        int mathHead = http.analyze("{\"text\": " + WebServerTest.quote(long_) + ", \"query\": " + far
                + ", \"layer\": 1, \"head\": \"value\", \"math\": true}").get("math").get("head").asInt();
        waitFor(d -> d.findElement(By.cssSelector("#math .math-title")).getText().endsWith("layer 1, head " + mathHead));
        assertEquals(java.util.Collections.nCopies(12, "1"), driver.findElements(By.cssSelector(".cell.selected")).stream()
                .map(c -> c.getDomAttribute("data-layer")).toList(), "the blend's layer is marked in the grid");
        screenshot("long-text-1400x1000");
    }

    @Test
    void screenshotsAtADesktopAndAPhoneSize() {
        search(TEXT);
        screenshot("results-1400x1000");
        driver.manage().window().setSize(new Dimension(390, 844));
        waitFor(d -> ((Number) js("return window.innerWidth")).intValue() <= 400);
        assertTrue(((Number) js("return document.documentElement.scrollWidth")).intValue() <= 400, "no sideways scrolling on a phone");
        screenshot("results-390x844");
    }

    // ---------- helpers ----------

    /** The results on screen are the API's page for this text, query and view ("layer": L, "head": H). */
    private static void assertResultsAreTheApis(String text, int query, String view) {
        JsonNode results = http.analyze("{\"text\": " + WebServerTest.quote(text) + ", \"query\": " + query + ", " + view
                + ", \"top\": 10}").get("pages").get(0).get("results");
        List<WebElement> shown = driver.findElements(By.cssSelector("#result-list .result"));
        assertEquals(results.size(), shown.size());
        for (int r = 0; r < shown.size(); r++) {
            assertEquals(results.get(r).get("key").asText(), shown.get(r).getDomAttribute("data-key"), view + ", rank " + (r + 1));
            assertEquals(results.get(r).get("weight").asDouble(), Double.parseDouble(shown.get(r).getDomAttribute("data-weight")), 0.0);
        }
    }

    /** A build artifact: target/screenshots/NAME.png. */
    private static void screenshot(String name) {
        try {
            java.nio.file.Path dir = java.nio.file.Files.createDirectories(java.nio.file.Path.of("target", "screenshots"));
            byte[] png = ((org.openqa.selenium.TakesScreenshot) driver).getScreenshotAs(org.openqa.selenium.OutputType.BYTES);
            java.nio.file.Files.write(dir.resolve(name + ".png"), png);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    private static String encode(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    private void search(String text) {
        WebElement box = driver.findElement(By.id("q"));
        js("arguments[0].value = arguments[1]", box, text); // typing 2,400 characters one event each is slow
        box.sendKeys(Keys.ENTER);
        waitFor(d -> !d.findElements(By.cssSelector("#result-list .result")).isEmpty()
                && d.findElement(By.id("results-title")).getText().startsWith("Results for"));
    }

    private int tokenIndex(String word) {
        for (WebElement t : driver.findElements(By.cssSelector("#tokens .token"))) {
            if (t.getText().equals(word)) return Integer.parseInt(t.getDomAttribute("data-index"));
        }
        throw new AssertionError("no token " + word);
    }

    private void waitForTitle(String fragment) {
        waitFor(d -> d.findElement(By.id("results-title")).getText().contains(fragment));
    }

    private static <T> T waitFor(Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, Duration.ofSeconds(20), Duration.ofMillis(20)).until(condition);
    }
}
