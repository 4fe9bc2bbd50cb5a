package dev.lore.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.lore.support.Api;
import dev.lore.support.IntegrationTest;

/** The request log names the key a request came with, and never shows the key itself. */
class RequestLogApiTests extends IntegrationTest {

    private final Logger requests = (Logger) LoggerFactory.getLogger("dev.lore.requests");
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    @BeforeEach
    void capture() {
        lines.start();
        requests.addAppender(lines);
    }

    @AfterEach
    void release() {
        requests.detachAppender(lines);
    }

    @Test
    void eachLineNamesTheKeyButNeverShowsItsSecret() {
        Api.Response minted = admin().post("/api/v1/keys",
                Map.of("name", "log-reader", "collections", List.of("*"), "permissions", List.of("read")));
        String secret = minted.body().path("key").asString();

        assertThat(as(secret).get("/api/v1/collections").status()).isEqualTo(200);
        assertThat(as("lore_not-a-real-key").get("/api/v1/models").status()).isEqualTo(401);

        ILoggingEvent reader = awaitLine("/api/v1/collections", 200);
        assertThat(value(reader, "key")).isEqualTo("log-reader");
        assertThat(reader.getFormattedMessage()).contains("log-reader");
        ILoggingEvent administrator = awaitLine("/api/v1/keys", 201);
        assertThat(value(administrator, "key")).isEqualTo("administrator (LORE_API_KEY)");
        ILoggingEvent stranger = awaitLine("/api/v1/models", 401);
        assertThat(value(stranger, "key")).isEqualTo("-");

        for (ILoggingEvent line : logged()) {
            assertThat(line.getFormattedMessage()).doesNotContain(secret).doesNotContain(ADMIN_KEY)
                    .doesNotContain("not-a-real-key");
            assertThat(line.getKeyValuePairs()).extracting(pair -> String.valueOf(pair.value))
                    .noneMatch(v -> v.contains(secret) || v.contains(ADMIN_KEY) || v.contains("not-a-real-key"));
        }
    }

    /** The line is written once the response is on its way, so it may come a moment after the client has it. */
    private ILoggingEvent awaitLine(String path, int status) {
        return Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> find(path, status), Optional::isPresent).get();
    }

    private Optional<ILoggingEvent> find(String path, int status) {
        return logged().stream()
                .filter(e -> path.equals(value(e, "path")) && String.valueOf(status).equals(value(e, "status")))
                .findFirst();
    }

    /** ListAppender appends under its own lock (AppenderBase.doAppend is synchronized). */
    private List<ILoggingEvent> logged() {
        synchronized (lines) {
            return List.copyOf(lines.list);
        }
    }

    private static String value(ILoggingEvent event, String key) {
        return event.getKeyValuePairs() == null ? null : event.getKeyValuePairs().stream()
                .filter(pair -> pair.key.equals(key)).map(pair -> String.valueOf(pair.value)).findFirst()
                .orElse(null);
    }
}
