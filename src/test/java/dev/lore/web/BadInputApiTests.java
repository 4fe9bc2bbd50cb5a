package dev.lore.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;

/**
 * Input that once ended as a 500, or as a 200 it should not have had, is a 4xx problem: undecodable query parameters,
 * null configurations, a minSupport that is not a number in [0, 1], streams that fail before their first event, and
 * a direct request for the container's error page.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputApiTests extends IntegrationTest {

    private static final String COLLECTION = "bad-input";

    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void setUp() {
        admin().post("/api/v1/collections", Map.of("name", COLLECTION));
        assertThat(admin().ingest(COLLECTION, Part.file("lunch.md", "# Lunch\nLunch is served at noon."))
                .path("status").asString()).isEqualTo("DONE");
    }

    @Test
    void undecodableQueryParametersAre400() {
        for (String path : List.of("/api/v1/collections/" + COLLECTION + "/documents?limit=%FF",
                "/api/v1/chat/feedback?limit=%FF", "/api/v1/keys?limit=%FF&offset=0", "/api/v1/collections?limit=%FF",
                "/api/v1/models?x=%C3%28", "/api/v1/agents/00000000-0000-0000-0000-000000000000/memories?query=%FF%FE")) {
            Api.Response response = admin().get(path);
            assertThat(response.status()).as(path).isEqualTo(400);
            assertThat(response.problemType()).as(path).isEqualTo("invalid-request");
            assertThat(response.body().path("detail").asString()).as(path).contains("UTF-8");
        }
    }

    @Test
    void anUndecodableQueryStringOnAnUploadIsA400AndStoresNothing() {
        int before = admin().get("/api/v1/collections/" + COLLECTION + "/documents").body().size();
        for (String query : List.of("?x=%FF", "?x=%C3%28", "?x=%E2%82")) {
            Api.Response response = admin().upload("/api/v1/collections/" + COLLECTION + "/documents" + query,
                    List.of(Part.file("dinner.md", "# Dinner\nDinner is served at seven.")));
            assertThat(response.status()).as(query).isEqualTo(400);
            assertThat(response.problemType()).as(query).isEqualTo("invalid-request");
        }
        assertThat(admin().get("/api/v1/collections/" + COLLECTION + "/documents").body().size())
                .isEqualTo(before);
        Api.Response decodable = admin().upload("/api/v1/collections/" + COLLECTION + "/documents?note=caf%C3%A9",
                List.of(Part.file("dinner.md", "# Dinner\nDinner is served at seven.")));
        assertThat(decodable.status()).isEqualTo(202);
        assertThat(admin().awaitIngestion(decodable.body().path("ingestionId").asString()).path("status")
                .asString()).isEqualTo("DONE");
    }

    @Test
    void aNullConfigurationIsA400() {
        Api.Response search = admin().post("/api/v1/evaluations", "{\"collection\":\"" + COLLECTION
                + "\",\"questions\":[{\"query\":\"lunch\",\"relevant\":[\"lunch.md\"]}],\"configurations\":[null]}");
        assertThat(search.status()).isEqualTo(400);
        assertThat(search.body().path("detail").asString()).contains("configurations[0]");
        Api.Response answers = admin().post("/api/v1/evaluations/answers", "{\"collection\":\"" + COLLECTION
                + "\",\"questions\":[{\"question\":\"When is lunch?\",\"answerContains\":[\"noon\"]}],"
                + "\"configurations\":[{\"name\":\"a\",\"strategy\":\"single\"},null]}");
        assertThat(answers.status()).isEqualTo(400);
        assertThat(answers.body().path("detail").asString()).contains("configurations[1]");
    }

    @Test
    void aMinSupportOutsideZeroToOneOrNotANumberIsA400() {
        for (String minSupport : List.of("\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "-0.5", "1.5")) {
            for (String path : List.of("/api/v1/answer", "/api/v1/evaluations/answers")) {
                String body = path.endsWith("answers")
                        ? "{\"collection\":\"" + COLLECTION + "\",\"questions\":[{\"question\":\"When is lunch?\","
                                + "\"answerContains\":[\"noon\"]}],\"configurations\":[{\"name\":\"a\","
                                + "\"strategy\":\"single\",\"minSupport\":" + minSupport + "}]}"
                        : "{\"collection\":\"" + COLLECTION + "\",\"question\":\"When is lunch?\","
                                + "\"strategy\":\"single\",\"minSupport\":" + minSupport + "}";
                Api.Response response = admin().post(path, body);
                assertThat(response.status()).as(path + " " + minSupport).isEqualTo(400);
                assertThat(response.body().path("detail").asString()).as(path + " " + minSupport)
                        .contains("minSupport");
            }
        }
    }

    @Test
    void aStreamThatCannotStartAnswersItsProblemInsteadOfOpening() {
        record Case(String path, String body, int status, String type) {
        }
        for (Case c : List.of(
                new Case("/api/v1/answer", "{\"collection\":\"no-such-collection\",\"question\":\"When is lunch?\","
                        + "\"strategy\":\"single\"}", 404, "collection-not-found"),
                new Case("/api/v1/answer", "{\"collection\":\"" + COLLECTION + "\",\"question\":\"When is lunch?\","
                        + "\"strategy\":\"single\",\"rerank\":\"api\"}", 400, "reranker-unavailable"),
                new Case("/api/v1/chat", "{\"collection\":\"no-such-collection\",\"message\":\"When is lunch?\","
                        + "\"strategy\":\"single\"}", 404, "collection-not-found"),
                new Case("/api/v1/chat", "{\"collection\":\"" + COLLECTION + "\",\"message\":\"When is lunch?\","
                        + "\"strategy\":\"single\",\"rerank\":\"api\"}", 400, "reranker-unavailable"))) {
            HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(base() + c.path()))
                    .header("Authorization", "Bearer " + ADMIN_KEY).header("Content-Type", "application/json")
                    .header("Accept", "text/event-stream").POST(HttpRequest.BodyPublishers.ofString(c.body())).build());
            assertThat(response.statusCode()).as(c.toString()).isEqualTo(c.status());
            assertThat(response.headers().firstValue("Content-Type").orElse("")).as(c.toString())
                    .startsWith("application/problem+json");
            assertThat(response.body()).as(c.toString()).contains(Problems.TYPE_PREFIX + c.type())
                    .doesNotContain("event:");
        }
    }

    @Test
    void theErrorPageAskedForDirectlyIsAProblemNotA500() {
        HttpResponse<String> withoutKey = send(HttpRequest.newBuilder(URI.create(base() + "/error")).GET().build());
        assertThat(withoutKey.statusCode()).isEqualTo(404);
        assertThat(withoutKey.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(withoutKey.body()).doesNotContain("999");
        Api.Response withKey = admin().get("/error");
        assertThat(withKey.status()).isEqualTo(404);
        assertThat(withKey.problemType()).isEqualTo("not-found");
        // the error page still serves the errors it is there for
        assertThat(admin().get("/api/v1/nothing-here").status()).isEqualTo(404);
    }

    private String base() {
        return "http://localhost:" + port;
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
