package org.attentionsearch.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionsearch.model.Model;
import org.attentionsearch.testing.RandomDecoders;
import org.attentionsearch.testing.SyntheticModels;
import org.attentionsearch.testing.TestModels;
import org.attentionsearch.weights.Checkpoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page with several models, in headless Chromium: the model picker, a decoder's
 * continuation streaming in and a written token's page, the heads search, the comparison
 * chart, sinks and special tokens hidden and shown, causal triangles and key/value groups.
 */
class DecoderBrowserTest {

    private static final String TEXT = WebServerTest.TEXT;
    private static final String PROMPT = "The river bank flooded after the";
    private static BrowserSession session;
    private static WebServer server;
    private static Http http;
    private static WebDriver driver;
    private static String base;

    @BeforeAll
    static void start() throws IOException {
        Model gpt2 = Model.load(SyntheticModels.gguf(SyntheticModels.gpt2()));
        // A tiny Llama with grouped-query attention, held in memory; its vocabulary is the words t3 … t96.
        Model llama = Model.load(new Checkpoint(RandomDecoders.llama(), RandomDecoders.checkpoint(RandomDecoders.llama(), 11).tensors(),
                wordsT3toT96(), null, "random llama"));
        session = BrowserSession.start(ServedModel.named(List.of("all-MiniLM-L6-v2", "gpt2.gguf", "llama"),
                List.of(TestModels.MINILM.model(), gpt2, llama)), 1400, 1000);
        server = session.server();
        http = session.http();
        driver = session.driver();
        base = session.base();
    }

    @AfterAll
    static void stop() throws IOException {
        if (session != null) session.close();
    }

    private void open(String query) {
        driver.get("about:blank");
        driver.get(base + query);
        waitFor(d -> !d.findElement(By.id("model-line")).getText().isEmpty()
                && !d.findElements(By.cssSelector("#model-picker option")).isEmpty());
    }

    @Test
    void theModelPickerSwitchesModelsAndTheLlamasGridGroupsItsHeads() {
        open("");
        Select picker = new Select(driver.findElement(By.id("model-picker")));
        assertEquals(3, picker.getOptions().size());
        String llama = picker.getOptions().get(2).getText();
        assertTrue(llama.contains("llama") && llama.contains("4 heads (2 key/value heads)") && llama.contains("128 positions"), llama);
        assertTrue(driver.findElements(By.id("continue-button")).isEmpty(), "an encoder does not continue text");
        picker.selectByValue("llama");
        waitFor(d -> d.getCurrentUrl().contains("model=llama") && d.findElement(By.id("model-line")).getText().contains("llama")
                && !d.findElements(By.id("continue-button")).isEmpty());
        search("t5 t17 t23 t42 t8 t61");
        waitFor(d -> d.findElements(By.cssSelector(".cell canvas")).size() == 8);
        // Heads 0–1 read key/value head 0, heads 2–3 head 1: a gap before head 2 of each layer.
        List<String> starts = driver.findElements(By.cssSelector(".cell.kv-group-start")).stream().map(e -> e.getDomAttribute("data-head")).toList();
        assertEquals(List.of("2", "2"), starts);
        assertTrue(driver.findElement(By.id("grid-note")).getText().contains("triangles"), driver.findElement(By.id("grid-note")).getText());
        // Above the diagonal a causal map is empty: the upper-right pixel is the mask's grey, the lower-left a weight.
        JavascriptExecutor js = (JavascriptExecutor) driver;
        @SuppressWarnings("unchecked")
        List<Long> corners = (List<Long>) js.executeScript("const c = document.querySelector('.cell canvas'); const x = c.getContext('2d');"
                + "const n = c.width; return [...x.getImageData(n - 1, 0, 1, 1).data.slice(0, 3), ...x.getImageData(0, n - 1, 1, 1).data.slice(0, 3)];");
        assertEquals(List.of(236L, 239L, 241L), corners.subList(0, 3));
        assertTrue(!corners.subList(3, 6).equals(List.of(236L, 239L, 241L)), corners.toString());
        // A decoder's page says what comes next, and the logit lens replaces "what each layer sees".
        waitFor(d -> d.findElement(By.id("next-line")).getText().contains("the model expects"));
        assertEquals(2, driver.findElements(By.cssSelector("#lens tbody tr")).size());
        assertFalse(driver.findElement(By.id("sight")).isDisplayed());
        // The math says, as explain --math does, which key/value head the head reads and that q and k are turned.
        String note = waitFor(d -> d.findElement(By.id("math-model-note"))).getText();
        String head = driver.findElement(By.id("math-head-choice")).getDomAttribute("data-head");
        assertTrue(note.contains("Head " + head + " reads key/value head " + Integer.parseInt(head) / 2 + ", which 2 query heads share")
                && note.contains("rotary positions"), note);
        assertNoConsoleErrors();
        screenshot("decoder-llama-grid");
    }

    @Test
    void aContinuationStreamsInAndAWrittenTokensPageIsItsStepsPage() throws IOException {
        open("?model=gpt2.gguf");
        WebElement box = driver.findElement(By.id("q"));
        box.sendKeys(PROMPT);
        setNumber("gen-temperature", "0");
        setNumber("gen-max", "40");
        JavascriptExecutor js = (JavascriptExecutor) driver;
        // The view of the written tokens' pages: the page's selectors, hidden on the front page.
        js.executeScript("for (const [id, v] of [['layer', '1'], ['head', '2']]) { const s = document.getElementById(id);"
                + " s.value = v; s.dispatchEvent(new Event('change')); }");
        // Record how many written tokens the strip held at each change: they should come in while it writes.
        js.executeScript("window.seen = []; new MutationObserver(() => { const n = document.querySelectorAll('#tokens .token.written').length;"
                + " if (window.seen[window.seen.length - 1] !== n) window.seen.push(n); })"
                + ".observe(document.getElementById('tokens'), {childList: true, subtree: true, attributes: true});");
        driver.findElement(By.id("continue-button")).click();
        waitFor(d -> "done".equals(d.findElement(By.id("gen-status")).getDomAttribute("data-state")));
        assertEquals(40, driver.findElements(By.cssSelector("#tokens .token.written")).size());
        @SuppressWarnings("unchecked")
        List<Long> seen = (List<Long>) js.executeScript("return window.seen");
        // At least one partial continuation on screen before the end: a fast model's 40 steps may reach the page in
        // two or three network reads, so how many partial states are seen depends on the machine's speed.
        assertTrue(seen.stream().anyMatch(n -> n > 0 && n < 40), "the tokens came in while it wrote: " + seen);
        assertTrue(driver.findElement(By.id("gen-status")).getText().contains("40 tokens written"));

        // The same greedy generation through the API: its token events carry the pages.
        Http.Answer a = http.post("/api/generate", "{\"model\": \"gpt2.gguf\", \"prompt\": " + WebServerTest.quote(PROMPT)
                + ", \"maxTokens\": 40, \"temperature\": 0, \"topK\": 40, \"topP\": 0.95, \"seed\": 1, \"layer\": 1, \"head\": 2, \"top\": 10}");
        List<JsonNode> tokens = new ArrayList<>();
        for (GenerateApiTest.Event e : GenerateApiTest.events(a.body())) if (e.name().equals("token")) tokens.add(e.data());
        JsonNode third = tokens.get(2);
        int position = third.get("position").asInt();
        driver.findElement(By.cssSelector("#tokens [data-index='" + position + "']")).click();
        waitFor(d -> d.findElement(By.id("results-title")).getText().contains("token " + position + " ·"));
        assertTrue(driver.findElement(By.id("results-title")).getText().contains("layer 1, head 2"));
        List<WebElement> shown = driver.findElements(By.cssSelector("#result-list .result"));
        JsonNode results = third.get("page").get("results");
        assertEquals(results.size(), shown.size());
        for (int r = 0; r < shown.size(); r++) {
            assertEquals(results.get(r).get("key").asText(), shown.get(r).getDomAttribute("data-key"));
            assertEquals(results.get(r).get("weight").asDouble(), Double.parseDouble(shown.get(r).getDomAttribute("data-weight")), 0.0);
        }
        assertTrue(driver.findElement(By.id("stats")).getText().startsWith("About " + (position + 1) + " results"));
        assertTrue(driver.findElement(By.id("notice")).getText().contains("its page comes from its step"));
        // What it expected after this token is what the next step chose among.
        String next = driver.findElement(By.id("next-line")).getText();
        assertTrue(next.contains("the model expects"), next);
        assertNoConsoleErrors();
        screenshot("decoder-continuation");
    }

    @Test
    void clickOneTokenAndShiftClickAnotherForTheHeadsThatLinkThem() {
        open("");
        String text = "The animal didn't cross the street because it was too tired.";
        search(text);
        driver.findElement(By.cssSelector("#tokens [data-index='10']")).click();
        waitFor(d -> d.findElement(By.id("results-title")).getText().contains("token 10 ·"));
        new Actions(driver).keyDown(Keys.SHIFT).click(driver.findElement(By.cssSelector("#tokens [data-index='2']"))).keyUp(Keys.SHIFT).perform();
        waitFor(d -> d.findElement(By.id("heads-panel")).isDisplayed() && !d.findElements(By.cssSelector(".head-hit")).isEmpty());
        assertEquals("Which heads make “it” find “animal”?".replace("“", "").replace("”", ""),
                driver.findElement(By.id("heads-title")).getText().replace("“", "").replace("”", "").replace("\"", ""));
        assertTrue(driver.findElement(By.id("heads-stats")).getText().startsWith("About 72 heads"));
        JsonNode api = http.post("/api/heads", "{\"text\": " + WebServerTest.quote(text) + ", \"query\": 10, \"key\": 2}").json();
        List<WebElement> hits = driver.findElements(By.cssSelector(".head-hit"));
        assertEquals(10, hits.size());
        for (int r = 0; r < hits.size(); r++) {
            JsonNode h = api.get("heads").get(r);
            assertEquals(h.get("layer").asText(), hits.get(r).getDomAttribute("data-layer"));
            assertEquals(h.get("head").asText(), hits.get(r).getDomAttribute("data-head"));
            assertEquals(String.format(Locale.ROOT, "%.3f", h.get("weight").asDouble()), hits.get(r).findElement(By.cssSelector(".weight")).getText());
        }
        assertTrue(driver.findElement(By.cssSelector("#tokens [data-index='10']")).getDomAttribute("aria-selected").equals("true"),
                "the shift-click kept the query");
        hits.getFirst().findElement(By.cssSelector("button")).click();
        JsonNode best = api.get("heads").get(0);
        waitFor(d -> d.findElement(By.id("results-title")).getText().contains("layer " + best.get("layer").asInt() + ", head " + best.get("head").asInt()));
        // The key is on that head's page, with the weight the heads search gave it.
        WebElement animal = driver.findElement(By.cssSelector("#result-list .result[data-key='2']"));
        assertEquals(best.get("weight").asDouble(), Double.parseDouble(animal.getDomAttribute("data-weight")), 0.0);
        driver.findElement(By.cssSelector("#result-list .result .heads-button")).click(); // a result's own button works too
        waitFor(d -> d.findElement(By.id("heads-title")).getText().contains("find"));
        assertNoConsoleErrors();
        screenshot("heads-search");
    }

    @Test
    void theComparisonChartShowsTheTwoBanksDriftingApart() {
        open("");
        search(TEXT);
        driver.findElement(By.cssSelector("#tokens [data-index='5']")).click();
        waitFor(d -> d.findElement(By.id("results-title")).getText().contains("token 5 ·"));
        assertEquals("15", new Select(driver.findElement(By.id("compare-b"))).getFirstSelectedOption().getDomAttribute("value"),
                "the other token of the same word is offered first");
        driver.findElement(By.id("compare-button")).click();
        waitFor(d -> !d.findElements(By.cssSelector(".compare-chart polyline")).isEmpty());
        String points = driver.findElement(By.cssSelector(".compare-chart polyline")).getDomAttribute("points");
        assertEquals(7, points.trim().split(" ").length);
        JsonNode api = http.post("/api/compare", "{\"text\": " + WebServerTest.quote(TEXT) + ", \"a\": 5, \"b\": 15}").json();
        List<WebElement> cells = driver.findElements(By.cssSelector(".compare-table td"));
        assertEquals(7, cells.size());
        for (int l = 0; l < 7; l++) {
            assertEquals(String.format(Locale.ROOT, "%.3f", api.get("layers").get(l).get("cosine").asDouble()), cells.get(l).getText());
        }
        // The same word in another text.
        driver.findElement(By.id("compare-text")).sendKeys("She sat on the bank of the river.", Keys.ENTER);
        waitFor(d -> String.valueOf(((JavascriptExecutor) d).executeScript(
                "return document.querySelector('.compare-title')?.textContent")).contains("other text"));
        assertNoConsoleErrors();
        screenshot("compare-meanings");
    }

    @Test
    void sinksAndSpecialTokensCanBeHiddenAndShownAgain() {
        open("");
        search(TEXT);
        driver.findElement(By.cssSelector("#tokens [data-index='5']")).click();
        waitFor(d -> d.findElement(By.id("results-title")).getText().contains("token 5 ·"));
        new Select(driver.findElement(By.id("layer"))).selectByValue("2");
        new Select(driver.findElement(By.id("head"))).selectByValue("1");
        waitFor(d -> d.findElement(By.id("results-title")).getText().contains("layer 2, head 1"));
        assertFalse(driver.findElements(By.cssSelector("#result-list .result[data-key='0'] .sink-badge")).isEmpty());

        driver.findElement(By.id("hide-sinks")).click();
        waitFor(d -> d.findElement(By.id("left-out")).getText().startsWith("Sinks left out"));
        assertTrue(driver.findElements(By.cssSelector("#result-list .result[data-key='0']")).isEmpty(), "[CLS], the sink, is gone");
        JsonNode page = http.analyze("{\"text\": " + WebServerTest.quote(TEXT) + ", \"layer\": 2, \"head\": 1, \"query\": 5, "
                + "\"withoutSinks\": true}").get("pages").get(0);
        List<WebElement> shown = driver.findElements(By.cssSelector("#result-list .result"));
        for (int r = 0; r < shown.size(); r++) {
            assertEquals(page.get("results").get(r).get("weight").asDouble(), Double.parseDouble(shown.get(r).getDomAttribute("data-weight")), 0.0);
        }
        assertTrue(driver.findElement(By.id("left-out")).getText().contains("renormalised to sum to 1"));
        assertTrue(driver.findElement(By.cssSelector(".cell canvas")).getDomAttribute("data-painted").contains("no-sinks"));
        assertTrue(driver.findElement(By.id("grid-note")).getText().contains("Sinks hidden"));

        driver.findElement(By.id("hide-sinks")).click();
        driver.findElement(By.id("hide-specials")).click();
        waitFor(d -> d.findElement(By.id("left-out")).getText().startsWith("Special tokens left out"));
        int last = driver.findElements(By.cssSelector("#tokens .token")).size() - 1;
        assertTrue(driver.findElements(By.cssSelector("#result-list .result[data-key='0'], #result-list .result[data-key='" + last + "']")).isEmpty(),
                "no [CLS], no [SEP]");
        driver.findElement(By.id("hide-specials")).click();
        waitFor(d -> !d.findElement(By.id("left-out")).isDisplayed());
        assertFalse(driver.findElements(By.cssSelector("#result-list .result[data-key='0'] .sink-badge")).isEmpty(), "the sink is back");
        assertTrue(driver.findElement(By.cssSelector(".cell canvas")).getDomAttribute("data-painted").equals("sinks specials"));
        assertTrue(driver.findElement(By.id("grid-note")).getText().contains("Orange cells: attention sinks"));
        assertNoConsoleErrors();
        screenshot("sinks-shown");
    }

    // ---------- helpers ----------

    /** A tokenizer.json whose words are t3 … t96, split at spaces. */
    private static byte[] wordsT3toT96() {
        StringBuilder vocab = new StringBuilder("\"[UNK]\": 0, \"[CLS]\": 1, \"[SEP]\": 2");
        for (int i = 3; i < RandomDecoders.VOCAB; i++) vocab.append(", \"t").append(i).append("\": ").append(i);
        return ("{\"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"}, \"model\": {\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", "
                + "\"vocab\": {" + vocab + "}}}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private void search(String text) {
        WebElement box = driver.findElement(By.id("q"));
        box.clear();
        box.sendKeys(text, Keys.ENTER);
        waitFor(d -> !d.findElements(By.cssSelector("#result-list .result")).isEmpty()
                && d.findElement(By.id("results-title")).getText().startsWith("Results for"));
    }

    private void setNumber(String id, String value) {
        WebElement input = driver.findElement(By.id(id));
        input.clear();
        input.sendKeys(value);
    }

    private static void screenshot(String name) {
        try {
            java.nio.file.Path dir = java.nio.file.Files.createDirectories(java.nio.file.Path.of("target", "screenshots"));
            java.nio.file.Files.write(dir.resolve(name + ".png"),
                    ((org.openqa.selenium.TakesScreenshot) driver).getScreenshotAs(org.openqa.selenium.OutputType.BYTES));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static <T> T waitFor(Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, Duration.ofSeconds(20), Duration.ofMillis(20)).until(condition);
    }

    private void assertNoConsoleErrors() {
        List<LogEntry> severe = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue()).toList();
        assertEquals(List.of(), severe.stream().map(LogEntry::getMessage).toList(), "no errors (and no CSP violations) in the console");
    }
}
