package dev.lore.answers.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import dev.lore.support.IntegrationTest;

/**
 * The chat page of a Lore without a generator, in Debian's headless Chromium: HyDE and FLARE offered disabled with the
 * reason, an extractive answer that says it was quoted without a model, and a favicon, so the console shows no 404;
 * skipped where Chromium is absent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChatPageWithoutModelBrowserTests extends IntegrationTest {

    private static final String COLLECTION = "chat-page-plain";

    private ChromeDriver browser;
    private WebDriverWait wait;
    private HeadlessChromium chromium;

    @BeforeAll
    void start() throws IOException {
        HeadlessChromium.assumeInstalled();
        createLeaveAndLaptops(COLLECTION);
        chromium = HeadlessChromium.start();
        browser = chromium.browser();
        wait = chromium.waiter();
    }

    @AfterAll
    void stop() throws IOException {
        if (chromium != null) {
            chromium.close();
        }
    }

    @Test
    void withoutAGeneratorOnlySingleIsOfferedAndTheAnswerSaysItIsQuotedWithoutAModel() throws IOException {
        open();

        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("strategy-hint"), "No generator"));
        for (String strategy : List.of("hyde", "flare")) {
            WebElement option = browser.findElement(By.cssSelector("#strategy option[value=" + strategy + "]"));
            assertThat(option.isEnabled()).as(strategy).isFalse();
            assertThat(option.getDomAttribute("title")).contains("Needs a generator");
        }
        assertThat(new Select(browser.findElement(By.id("strategy"))).getFirstSelectedOption().getDomAttribute(
                "value")).isEqualTo("single");

        WebElement answer = ask("Do I get vacation days?");
        assertThat(answer.findElement(By.className("extractive-note")).getText())
                .contains("Quoted from the documents without a model");
        assertThat(answer.findElement(By.className("text")).getText()).contains("Staff earn vacation days.");
        assertThat(answer.findElements(By.cssSelector(".text .chip"))).isNotEmpty();

        Files.createDirectories(Path.of("target"));
        Files.write(Path.of("target", "chat-page-extractive.png"), browser.getScreenshotAs(OutputType.BYTES));
        List<String> console = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .map(LogEntry::getMessage).toList();
        // Chromium words a missing resource as "status of 404"; a bare "404" would also match a port number.
        assertThat(console).noneMatch(message -> message.contains("status of 404"));
    }

    @Test
    void aRefusalForAFigureTheDocumentsDoNotStateSaysSo() {
        open();

        // leave.md says staff earn vacation days, never how many
        WebElement answer = ask("How many vacation days do staff earn?");

        assertThat(answer.getDomAttribute("class")).contains("refusal");
        assertThat(answer.findElement(By.className("label")).getText())
                .isEqualTo("Not found in the documents: the passages on this topic state no figure of the kind "
                        + "asked for");
        assertThat(answer.findElement(By.className("text")).getText()).isEqualTo("The documents do not cover this.");
    }

    /** Loads the page and enters the administrator's key. */
    private void open() {
        browser.get("http://localhost:" + port + "/");
        browser.findElement(By.id("key")).sendKeys(ADMIN_KEY, Keys.ENTER);
    }

    /** Asks {@code question} of the test collection and returns the answer's message once it is complete. */
    private WebElement ask(String question) {
        new Select(wait.until(ExpectedConditions.elementToBeClickable(By.id("collection")))).selectByValue(COLLECTION);
        wait.until(ExpectedConditions.elementToBeClickable(By.id("question"))).sendKeys(question, Keys.ENTER);
        return wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector(".message.assistant:not(.streaming)")));
    }

    @Test
    void theFaviconIsServedUnderBothNames() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (String path : List.of("/favicon.ico", "/favicon.svg")) {
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + port + path)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(response.statusCode()).as(path).isEqualTo(200);
            assertThat(response.body()).as(path).isNotEmpty();
        }
    }
}
