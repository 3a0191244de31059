package org.attentionsearch.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionsearch.corpus.CorpusBatches;
import org.attentionsearch.corpus.CorpusFile;
import org.attentionsearch.corpus.CorpusHeads;
import org.attentionsearch.corpus.InductionModels;
import org.attentionsearch.corpus.ModelFingerprint;
import org.attentionsearch.model.Model;
import org.attentionsearch.testing.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

/** "Heads over the corpus" in a headless Chromium: one layers × heads map per statistic, whose squares say the API's numbers. */
class HeadsBrowserTest {

    @TempDir Path tmp;

    @Test
    void everyStatisticIsALayersByHeadsMapThatSaysItsValues() throws Exception {
        WebServer server = servedWithStatistics(TestModels.MINILM.model(), "all-MiniLM-L6-v2", HeadStatisticsApiTest.CORPUS, "heads.json");
        try (BrowserSession session = BrowserSession.start(server, 1400, 1100)) {
            WebDriver driver = session.driver();
            JsonNode api = session.http().get("/api/heads-statistics").json();
            driver.get(session.base());
            waitFor(driver, d -> !d.findElement(By.id("model-line")).getText().isEmpty());
            driver.findElement(By.id("q")).sendKeys("The heron waited by the bank.", Keys.ENTER);
            waitFor(driver, d -> !d.findElements(By.cssSelector("#corpus-heads-panel .corpus-heads-canvas")).isEmpty()
                    && !d.findElements(By.cssSelector("#result-list .result")).isEmpty());
            WebElement panel = driver.findElement(By.id("corpus-heads-panel"));
            assertEquals("Heads over the corpus", panel.findElement(By.id("corpus-heads-title")).getText());
            String sub = panel.findElement(By.cssSelector(".panel-sub")).getText();
            assertTrue(sub.contains("3 documents") && sub.contains("heads.json") && sub.contains("Induction score"), sub);

            // An encoder has no induction score: seven maps, each 6 layers (rows) by 12 heads (columns).
            List<WebElement> maps = panel.findElements(By.cssSelector(".corpus-heads-map"));
            List<String> names = maps.stream().map(m -> m.findElement(By.cssSelector(".corpus-heads-name")).getText()).toList();
            assertEquals(List.of("Effective results", "Previous token", "Same token elsewhere", "First token", "Special tokens",
                    "Sinks", "Value share"), names);
            for (WebElement m : maps) {
                WebElement canvas = m.findElement(By.cssSelector("canvas"));
                assertEquals("12", canvas.getDomAttribute("width"));
                assertEquals("6", canvas.getDomAttribute("height"));
                assertTrue(canvas.getSize().getWidth() >= 100, "a map is drawn large enough to point at");
                assertEquals(2, m.findElements(By.cssSelector(".corpus-heads-legend .corpus-heads-low, .corpus-heads-legend .corpus-heads-high")).size());
            }

            // Hovering a square says that head's number from the API; the legend spans the statistic's range.
            int[][] cells = {{0, 0}, {2, 7}, {5, 11}, {3, 4}};
            for (String field : List.of("previousToken", "effectiveResults", "valueShare")) {
                WebElement map = panel.findElement(By.cssSelector("canvas[data-statistic='" + field + "']"));
                // Wholly in view: Selenium's offsets count from the centre of the part in view.
                ((org.openqa.selenium.JavascriptExecutor) driver).executeScript("arguments[0].scrollIntoView({block: 'center'})", map);
                String name = map.findElement(By.xpath("ancestor::figure[1]")).findElement(By.cssSelector(".corpus-heads-name")).getText();
                double max = Double.NEGATIVE_INFINITY;
                for (JsonNode h : api.get("heads")) max = Math.max(max, h.get(field).asDouble());
                String high = map.findElement(By.xpath("ancestor::figure[1]")).findElement(By.cssSelector(".corpus-heads-high")).getText();
                assertEquals(max >= 10 ? String.format(Locale.ROOT, "%.1f", max) : String.format(Locale.ROOT, "%.3f", max), high);
                for (int[] c : cells) {
                    int layer = c[0], head = c[1];
                    int w = map.getSize().getWidth(), h = map.getSize().getHeight();
                    // Offsets from the canvas's centre to the centre of the square.
                    new Actions(driver).moveToElement(map, (int) ((head + 0.5) * w / 12.0 - w / 2.0),
                            (int) ((layer + 0.5) * h / 6.0 - h / 2.0)).perform();
                    double value = api.get("heads").get(layer * 12 + head).get(field).asDouble();
                    String expected = name + ", layer " + layer + ", head " + head + ": " + String.format(Locale.ROOT, "%.3f", value);
                    waitFor(driver, d -> d.findElement(By.id("corpus-heads-tip")).getText().equals(expected));
                }
            }
            screenshot(driver, "heads-over-the-corpus");

            // From the keyboard: the arrows walk the squares of the focused map, and the page's token keys wait.
            WebElement sinks = panel.findElement(By.cssSelector("canvas[data-statistic='sinks']"));
            String title = driver.findElement(By.id("results-title")).getText();
            ((org.openqa.selenium.JavascriptExecutor) driver).executeScript("arguments[0].focus()", sinks);
            sinks.sendKeys(Keys.ARROW_DOWN, Keys.ARROW_DOWN, Keys.ARROW_RIGHT);
            String expected = "Sinks, layer 2, head 1: " + String.format(Locale.ROOT, "%.3f", api.get("heads").get(2 * 12 + 1).get("sinks").asDouble());
            waitFor(driver, d -> d.findElement(By.id("corpus-heads-tip")).getText().equals(expected));
            assertEquals(title, driver.findElement(By.id("results-title")).getText());
            sinks.sendKeys(Keys.ENTER);
            waitFor(driver, d -> d.findElement(By.id("results-title")).getText().contains("layer 2, head 1"));

            // A click opens that head's results page.
            WebElement first = panel.findElement(By.cssSelector("canvas[data-statistic='firstToken']"));
            ((org.openqa.selenium.JavascriptExecutor) driver).executeScript("arguments[0].scrollIntoView({block: 'center'})", first);
            int w = first.getSize().getWidth(), h = first.getSize().getHeight();
            new Actions(driver).moveToElement(first, (int) (9.5 * w / 12.0 - w / 2.0), (int) (4.5 * h / 6.0 - h / 2.0)).click().perform();
            waitFor(driver, d -> d.findElement(By.id("results-title")).getText().contains("layer 4, head 9"));
            // Every map outlines the head the results page now shows.
            waitFor(driver, d -> d.findElements(By.cssSelector(".corpus-heads-mark[data-layer='4'][data-head='9']")).stream()
                    .filter(WebElement::isDisplayed).count() == 7);
            ((org.openqa.selenium.JavascriptExecutor) driver).executeScript("arguments[0].scrollIntoView({block: 'center'})", first);
            screenshot(driver, "heads-over-the-corpus-marked");
        }
    }

    /**
     * A decoder built with an induction circuit: its eighth map, the induction score, shows layer 1
     * head 0 as the one head that copies what followed the current token before.
     */
    @Test
    void aDecodersInductionHeadStandsOutOnItsMap() throws Exception {
        WebServer server = servedWithStatistics(InductionModels.model(true), "induction",
                List.of("t5 t9 t12 t7 t33 t5 t9 t12", "t40 t41 t42 t43 t40 t41"), "induction-heads.json");
        try (BrowserSession session = BrowserSession.start(server, 1400, 1100)) {
            WebDriver driver = session.driver();
            JsonNode api = session.http().get("/api/heads-statistics").json();
            double score = api.get("heads").get(InductionModels.HEADS).get("induction").asDouble(); // layer 1 head 0
            for (JsonNode h : api.get("heads")) {
                if (h.get("layer").asInt() != 1 || h.get("head").asInt() != 0) {
                    assertTrue(h.get("induction").asDouble() < score, "layer 1 head 0 scores highest: " + h);
                }
            }
            driver.get(session.base());
            waitFor(driver, d -> !d.findElement(By.id("model-line")).getText().isEmpty());
            driver.findElement(By.id("q")).sendKeys("t5 t9 t12 t5 t9", Keys.ENTER);
            waitFor(driver, d -> !d.findElements(By.cssSelector("#corpus-heads-panel .corpus-heads-canvas")).isEmpty());
            WebElement panel = driver.findElement(By.id("corpus-heads-panel"));
            List<String> names = panel.findElements(By.cssSelector(".corpus-heads-name")).stream().map(WebElement::getText).toList();
            assertEquals(8, names.size(), names.toString());
            assertEquals("Induction score", names.getLast());

            WebElement map = panel.findElement(By.cssSelector("canvas[data-statistic='induction']"));
            assertEquals(String.valueOf(InductionModels.HEADS), map.getDomAttribute("width"));
            assertEquals("2", map.getDomAttribute("height"));
            ((org.openqa.selenium.JavascriptExecutor) driver).executeScript("arguments[0].scrollIntoView({block: 'center'})", map);
            String high = map.findElement(By.xpath("ancestor::figure[1]")).findElement(By.cssSelector(".corpus-heads-high")).getText();
            assertEquals(String.format(Locale.ROOT, "%.3f", score), high, "the legend's top is the induction head's score");
            int w = map.getSize().getWidth(), h = map.getSize().getHeight();
            new Actions(driver).moveToElement(map, (int) (0.5 * w / InductionModels.HEADS - w / 2.0), (int) (1.5 * h / 2.0 - h / 2.0)).perform();
            String expected = "Induction score, layer 1, head 0: " + String.format(Locale.ROOT, "%.3f", score);
            waitFor(driver, d -> d.findElement(By.id("corpus-heads-tip")).getText().equals(expected));
            // A decoder without special tokens in its texts puts no weight there: that map is white, not deep blue.
            WebElement special = panel.findElement(By.cssSelector("canvas[data-statistic='specialTokens']"));
            Object pixel = ((org.openqa.selenium.JavascriptExecutor) driver).executeScript(
                    "return Array.from(arguments[0].getContext('2d').getImageData(0, 0, 1, 1).data)", special);
            assertEquals(List.of(255L, 255L, 255L, 255L), pixel, "all-zero statistics are drawn white");
            screenshot(driver, "heads-over-the-corpus-induction");
        }
    }

    /** The model served by that name with the head statistics of {@code lines}, as {@code serve --heads FILE} would. */
    private WebServer servedWithStatistics(Model model, String name, List<String> lines, String file) throws java.io.IOException {
        Path corpus = Files.write(tmp.resolve(file + ".txt"), lines);
        CorpusHeads.Report report = CorpusHeads.report(model, CorpusHeads.sums(model, corpus, CorpusFile.Format.TEXT,
                CorpusBatches.of(model), l -> { }));
        List<ServedModel> served = ServedModel.named(List.of(name), List.of(model));
        return WebServer.start(served, "127.0.0.1", 0, WebServer.Limits.defaults(), null, List.of(new ServedHeadStatistics(
                served.getFirst().id(), report, ModelFingerprint.of(model, name), file)));
    }

    private static <T> T waitFor(WebDriver driver, Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, Duration.ofSeconds(15), Duration.ofMillis(20)).until(condition);
    }

    private static void screenshot(WebDriver driver, String name) throws java.io.IOException {
        Path dir = Files.createDirectories(Path.of("target", "screenshots"));
        Files.write(dir.resolve(name + ".png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }
}
