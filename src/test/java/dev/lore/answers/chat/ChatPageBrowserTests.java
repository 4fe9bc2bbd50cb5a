package dev.lore.answers.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.TestPropertySource;

import dev.lore.answers.ScriptedGenerator;
import dev.lore.answers.ScriptedGeneratorBackend;
import dev.lore.models.ModelUnavailable;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * The chat page at {@code /} in Debian's headless Chromium: a wrong key, then a reader's key, a streamed answer with
 * a citation chip that opens its passage, and feedback that reaches the session; skipped where Chromium is absent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Import(ScriptedGeneratorBackend.class)
@TestPropertySource(properties = "lore.generator=scripted")
class ChatPageBrowserTests extends IntegrationTest {

    private static final String COLLECTION = "chat-page";
    private static final ScriptedGenerator MODEL = ScriptedGeneratorBackend.GENERATOR;

    private ChromeDriver browser;
    private WebDriverWait wait;
    private HeadlessChromium chromium;
    private String reader;

    @BeforeAll
    void start() throws IOException {
        HeadlessChromium.assumeInstalled();
        createLeaveAndLaptops(COLLECTION);
        reader = admin().post("/api/v1/keys", Map.of("name", "chat-page-reader", "collections",
                List.of(COLLECTION), "permissions", List.of("read"))).body().path("key").asString();
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
    void aPersonAsksSeesTheStreamedAnswerOpensACitationAndRatesIt() throws IOException {
        MODEL.answer(request -> "Staff earn vacation days, as the leave policy says [1].");
        browser.get("http://localhost:" + port + "/");

        key("not-a-key");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("notice"), "not accepted"));
        assertThat(browser.executeScript("return localStorage.getItem('lore.key')")).as("a refused key is not kept")
                .isNull();
        key(reader);
        wait.until(ExpectedConditions.elementToBeClickable(By.id("question")));
        assertThat(browser.getCurrentUrl()).doesNotContain(reader);
        assertThat(browser.switchTo().activeElement().getDomAttribute("id")).as("focus moves on to the question")
                .isEqualTo("question");
        new Select(browser.findElement(By.id("collection"))).selectByValue(COLLECTION);
        browser.findElement(By.id("question")).sendKeys("How many vacation days do I get?", Keys.ENTER);

        WebElement answer = wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector(".message.assistant:not(.streaming)")));
        WebElement text = answer.findElement(By.className("text"));
        assertThat(text.getText()).startsWith("Staff earn vacation days, as the leave policy says");
        assertThat(Integer.parseInt(text.getDomAttribute("data-tokens"))).as("token events").isGreaterThan(1);
        assertThat(answer.getDomAttribute("class")).doesNotContain("refusal");
        assertThat(answer.findElement(By.className("retrievals")).getText()).contains("Searched");

        answer.findElement(By.cssSelector(".text .chip")).click();
        WebElement dialog = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("citation")));
        assertThat(dialog.findElement(By.id("citation-source")).getText()).contains("leave.md");
        assertThat(dialog.findElement(By.id("citation-quote")).getText()).contains("vacation days");
        dialog.findElement(By.tagName("button")).click();
        wait.until(ExpectedConditions.invisibilityOf(dialog));

        answer.findElement(By.cssSelector(".thumb.down")).click();
        answer.findElement(By.className("comment")).sendKeys("It is 25 days now");
        answer.findElement(By.className("send-feedback")).click();
        wait.until(ExpectedConditions.textToBePresentInElement(answer.findElement(By.className("feedback-status")),
                "saved"));
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#sessions li.current")));

        Files.createDirectories(Path.of("target"));
        Files.write(Path.of("target", "chat-page.png"), browser.getScreenshotAs(OutputType.BYTES));

        JsonNode sessions = as(reader).get("/api/v1/chat").body();
        assertThat(sessions).hasSize(1);
        JsonNode messages = as(reader).get("/api/v1/chat/" + sessions.get(0).path("sessionId").asString()).body()
                .path("messages");
        assertThat(messages.get(1).path("feedback").path("rating").asString()).isEqualTo("down");
        assertThat(messages.get(1).path("feedback").path("comment").asString()).isEqualTo("It is 25 days now");

        browser.findElement(By.id("new-chat")).click();
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#log .message"), 0));
        browser.findElement(By.cssSelector("#sessions .open")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#log .feedback-status"),
                "Rated down: It is 25 days now"));
        assertThat(browser.findElements(By.cssSelector("#log .text .chip"))).hasSize(1);
        browser.findElement(By.cssSelector("#sessions .delete")).click();
        browser.switchTo().alert().accept();
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#sessions li"), 0));
        assertThat(as(reader).get("/api/v1/chat").body()).isEmpty();
    }

    @Test
    void anEmptyCollectionABusyModelAndAPhoneScreenEachShowTheirState() {
        admin().post("/api/v1/collections", Map.of("name", "chat-page-empty"));
        browser.manage().window().setSize(new Dimension(390, 800));
        try {
            browser.get("http://localhost:" + port + "/");
            key(ADMIN_KEY);
            Select collection = new Select(wait.until(ExpectedConditions.elementToBeClickable(By.id("collection"))));
            collection.selectByValue("chat-page-empty");
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("collection-state"), "is empty"));
            assertThat(browser.findElement(By.id("question")).isEnabled()).isFalse();

            collection.selectByValue(COLLECTION);
            MODEL.fail(ModelUnavailable.busy("scripted", Duration.ofSeconds(2)));
            WebElement question = wait.until(ExpectedConditions.elementToBeClickable(By.id("question")));
            question.sendKeys("How many vacation days do I get?", Keys.ENTER);
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("notice"), "model is busy"));
            assertThat(browser.findElement(By.id("send")).isEnabled()).isFalse();
            assertThat(question.getDomProperty("value")).as("kept to ask again")
                    .isEqualTo("How many vacation days do I get?");
            assertThat(browser.findElement(By.cssSelector(".message.assistant")).getDomAttribute("class"))
                    .contains("failed");
            Number overflow = (Number) browser.executeScript(
                    "return document.documentElement.scrollWidth - window.innerWidth");
            assertThat(overflow.intValue()).as("no sideways scrolling at phone width").isLessThanOrEqualTo(0);
        }
        finally {
            MODEL.answer(request -> "");
            browser.manage().window().setSize(new Dimension(1100, 860));
        }
    }

    @Test
    void anUncitedSentenceShowsTheSourceLoreAttributedItToAndAnUnsupportedOneIsMarked() throws IOException {
        MODEL.answer(request -> "Staff earn vacation days every year. The cafeteria serves tacos on Tuesdays.");
        try {
            browser.get("http://localhost:" + port + "/");
            key(ADMIN_KEY);
            WebElement flare = wait.until(ExpectedConditions.presenceOfElementLocated(
                    By.cssSelector("#strategy option[value=flare]")));
            wait.until(ExpectedConditions.textToBePresentInElement(flare, "FLARE (instruct)"));
            assertThat(flare.isEnabled()).isTrue();
            assertThat(flare.getDomAttribute("title")).contains("no token logprobs");
            new Select(wait.until(ExpectedConditions.elementToBeClickable(By.id("collection"))))
                    .selectByValue(COLLECTION);
            wait.until(ExpectedConditions.elementToBeClickable(By.id("question")))
                    .sendKeys("How many vacation days do I get?", Keys.ENTER);

            WebElement answer = wait.until(ExpectedConditions.presenceOfElementLocated(
                    By.cssSelector(".message.assistant:not(.streaming)")));
            WebElement chip = answer.findElement(By.cssSelector(".text .chip.attributed"));
            assertThat(chip.getDomAttribute("aria-label")).isEqualTo("Attributed source 1: leave.md");
            assertThat(answer.findElement(By.cssSelector(".text .unsupported")).getText())
                    .isEqualTo("The cafeteria serves tacos on Tuesdays.");
            assertThat(answer.findElements(By.className("extractive-note"))).isEmpty();
            assertThat(answer.findElement(By.className("citations")).getText()).contains("attributed by Lore");
            chip.click();
            WebElement dialog = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("citation")));
            assertThat(dialog.findElement(By.id("citation-source")).getText()).contains("leave.md")
                    .contains("Staff earn vacation days every year.");
            Files.write(Path.of("target", "chat-page-attributed.png"), browser.getScreenshotAs(OutputType.BYTES));
            dialog.findElement(By.tagName("button")).click();
        }
        finally {
            MODEL.answer(request -> "");
        }
    }

    private void key(String key) {
        WebElement input = browser.findElement(By.id("key"));
        input.clear();
        input.sendKeys(key, Keys.ENTER);
    }
}
