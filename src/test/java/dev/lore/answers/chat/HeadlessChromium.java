package dev.lore.answers.chat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.logging.Level;

import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/** Debian's headless Chromium for the chat page's browser tests, on a profile of its own that closing removes. */
final class HeadlessChromium implements AutoCloseable {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private final ChromeDriver browser;
    private final WebDriverWait wait;
    private final Path profile;

    private HeadlessChromium(ChromeDriver browser, Path profile) {
        this.browser = browser;
        this.wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        this.profile = profile;
    }

    /** Skips the calling test class where Chromium or its driver is not installed. */
    static void assumeInstalled() {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Debian's chromium and chromium-driver are not installed (./lore test installs them)");
    }

    /** A 1100×860 window whose console log the test can read. */
    static HeadlessChromium start() throws IOException {
        Path profile = Files.createTempDirectory("lore-chromium");
        try {
            LoggingPreferences logs = new LoggingPreferences();
            logs.enable(LogType.BROWSER, Level.ALL);
            ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile()).addArguments("--headless=new",
                    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--user-data-dir=" + profile);
            options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
            ChromeDriver browser = new ChromeDriver(new ChromeDriverService.Builder()
                    .usingDriverExecutable(CHROMEDRIVER.toFile()).build(), options);
            browser.manage().window().setSize(new Dimension(1100, 860));
            return new HeadlessChromium(browser, profile);
        }
        catch (RuntimeException failure) {
            delete(profile);
            throw failure;
        }
    }

    ChromeDriver browser() {
        return browser;
    }

    WebDriverWait waiter() {
        return wait;
    }

    @Override
    public void close() throws IOException {
        try {
            browser.quit();
        }
        finally {
            delete(profile);
        }
    }

    private static void delete(Path profile) throws IOException {
        try (var files = Files.walk(profile)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}
