package dev.lore.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;
import dev.lore.support.TcpProxy;
import dev.lore.support.TestDatabase;

/**
 * The database goes away behind a proxy while Lore runs: requests and health answer within seconds (503
 * {@code database-unavailable} with {@code Retry-After}, health DOWN) instead of waiting out Hikari's 30 s, and once
 * it is back Lore serves again by itself and finishes the upload it acknowledged before the cut.
 */
class DatabaseOutageApiTests extends IntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(DatabaseOutageApiTests.class);
    private static final String COLLECTION = "outage-tests";
    private static final Duration BOUND = Duration.ofSeconds(10);
    private static final TcpProxy PROXY = proxy();

    @DynamicPropertySource
    static void throughTheProxy(DynamicPropertyRegistry registry) {
        if (PROXY != null) {
            // Hikari's own jdbc-url is bound after spring.datasource.url, which IntegrationTest sets
            registry.add("spring.datasource.hikari.jdbc-url", () -> PROXY.jdbcUrlFor(TestDatabase.connection().url()));
        }
        // an item whose store the cut broke is claimed again soon, well within the test (a heartbeat keeps a live claim)
        registry.add("lore.documents.stale-after", () -> "3s");
        registry.add("lore.documents.heartbeat-interval", () -> "1s");
    }

    @AfterAll
    static void closeProxy() throws IOException {
        if (PROXY != null) {
            PROXY.close();
        }
    }

    @Test
    void answersUnavailableQuicklyDuringAnOutageAndRecoversByItself() {
        createLeaveAndLaptops(COLLECTION);
        String reader = admin().post("/api/v1/keys", Map.of("name", "outage-reader", "collections",
                List.of(COLLECTION), "permissions", List.of("read"))).body().path("key").asString();
        Api.Response upload = admin().upload("/api/v1/collections/" + COLLECTION + "/documents",
                List.of(Part.file("travel.md", "# Travel\n\nBook train tickets through the travel portal.\n")));
        assertThat(upload.status()).as(upload.raw()).isEqualTo(202);
        Map<String, Object> search = Map.of("collection", COLLECTION, "query", "train tickets", "mode", "lexical");
        String simulation = admin().post("/api/v1/simulations", Map.of("name", "outage-town", "startsAt",
                "2026-02-13T08:00:00")).body().path("id").asString();

        PROXY.cut();
        long cutAt = System.nanoTime();
        Api.Response refused = admin().post("/api/v1/search", search);
        Duration firstAnswer = since(cutAt);
        assertUnavailable(refused, firstAnswer);

        long keyed = System.nanoTime();
        Api.Response refusedKey = as(reader).post("/api/v1/search", search);
        assertUnavailable(refusedKey, since(keyed));

        // every other way in answers the same, whatever Spring wrapped the failure in: a JSON upload, a step, a
        // chat streamed as events (before its stream opens), an answer
        String documents = "/api/v1/collections/" + COLLECTION + "/documents";
        long uploaded = System.nanoTime();
        assertUnavailable(admin().post(documents, Map.of("text", "Trains leave hourly.", "source", "trains.md")),
                since(uploaded));
        long stepped = System.nanoTime();
        assertUnavailable(admin().post("/api/v1/simulations/" + simulation + "/step", Map.of()), since(stepped));
        long streamed = System.nanoTime();
        Api.Response chat = streamed("/api/v1/chat", Map.of("collection", COLLECTION, "message", "train tickets?",
                "strategy", "single"));
        assertUnavailable(chat, since(streamed));
        long answered = System.nanoTime();
        assertUnavailable(admin().post("/api/v1/answer", Map.of("collection", COLLECTION, "question",
                "train tickets?", "strategy", "single")), since(answered));

        long healthAsked = System.nanoTime();
        Api.Response health = as(null).get("/actuator/health");
        Duration healthTook = since(healthAsked);
        assertThat(healthTook).isLessThan(BOUND);
        assertThat(health.status()).as(health.raw()).isEqualTo(503);
        assertThat(health.body().path("status").asString()).isEqualTo("DOWN");
        if (health.body().path("components").has("db")) {
            assertThat(health.body().path("components").path("db").path("status").asString()).isEqualTo("DOWN");
        }

        PROXY.restore();
        long restoredAt = System.nanoTime();
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> admin().post("/api/v1/search", search).status() == 200);
        Duration recovered = since(restoredAt);
        assertThat(as(null).get("/actuator/health").body().path("status").asString()).isEqualTo("UP");
        assertThat(admin().awaitIngestion(upload.body().path("ingestionId").asString()).path("status").asString())
                .isEqualTo("DONE");
        assertThat(as(reader).post("/api/v1/search", search).body().path("results").get(0).path("source")
                .asString()).isEqualTo("travel.md");
        log.info("Outage: first 503 after {} ms, health DOWN after {} ms, serving again {} ms after the database "
                + "came back", firstAnswer.toMillis(), healthTook.toMillis(), recovered.toMillis());
    }

    /** A POST asking for server-sent events, read whole. */
    private Api.Response streamed(String path, Map<String, Object> body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Authorization", "Bearer " + ADMIN_KEY).header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body))).build();
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(request,
                    HttpResponse.BodyHandlers.ofString());
            String type = response.headers().firstValue("Content-Type").orElse("");
            return new Api.Response(response.statusCode(), type, type.contains("json") ? json.readTree(response.body())
                    : json.createObjectNode(), response.body(), response.headers());
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void assertUnavailable(Api.Response response, Duration took) {
        assertThat(took).as("answered after %s", took).isLessThan(BOUND);
        assertThat(response.status()).as(response.raw()).isEqualTo(503);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.problemType()).isEqualTo("database-unavailable");
        assertThat(response.header("Retry-After")).isEqualTo("5");
    }

    private static Duration since(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos);
    }

    private static TcpProxy proxy() {
        TestDatabase.Connection connection = TestDatabase.connection();
        if (connection == null) {
            return null;
        }
        try {
            return TcpProxy.forJdbcUrl(connection.url());
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
