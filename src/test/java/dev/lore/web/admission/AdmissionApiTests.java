package dev.lore.web.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;

import dev.lore.support.Api;
import dev.lore.support.IntegrationTest;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * With every place in the bulkhead taken (the test holds them, as long-running requests would), a search is refused at
 * once with {@code 503 overloaded} and {@code Retry-After} while cheap endpoints still answer; once places free up,
 * searches are served again, and a request that fails gives its place back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdmissionApiTests extends IntegrationTest {

    private static final String COLLECTION = "admission-tests";

    @Autowired
    Admission admission;

    @Autowired
    MeterRegistry meters;

    private int held;

    @BeforeAll
    void collection() {
        createLeaveAndLaptops(COLLECTION);
    }

    @AfterEach
    void releaseHeldPlaces() {
        for (; held > 0; held--) {
            admission.leave();
        }
    }

    @Test
    void shedsSearchesAtOnceWhileEveryPlaceIsTaken() {
        holdEveryPlace();
        double shedBefore = count("shed");

        Api.Response shed = admin().post("/api/v1/search", Map.of("collection", COLLECTION, "query", "vacation"));

        assertThat(shed.status()).as(shed.raw()).isEqualTo(503);
        assertThat(shed.contentType()).startsWith("application/problem+json");
        assertThat(shed.problemType()).isEqualTo("overloaded");
        assertThat(shed.header("Retry-After")).isEqualTo("1");
        assertThat(shed.body().path("detail").asString()).contains("lore.admission.max-concurrent");
        assertThat(admin().post("/api/v1/rerank", Map.of("query", "q", "documents", List.of("a")))
                .status()).isEqualTo(503);
        assertThat(count("shed") - shedBefore).isEqualTo(2);
        assertThat(admin().get("/api/v1/collections").status()).isEqualTo(200);

        releaseHeldPlaces();
        Api.Response served = admin().post("/api/v1/search", Map.of("collection", COLLECTION, "query", "vacation"));
        assertThat(served.status()).as(served.raw()).isEqualTo(200);
    }

    @Test
    void requestsGiveTheirPlaceBackHoweverTheyEnd() {
        for (int i = 0; i < admission.limit() + 2; i++) {
            assertThat(admin().post("/api/v1/search", Map.of("collection", COLLECTION, "query", "vacation"))
                    .status()).isEqualTo(200);
            assertThat(admin().post("/api/v1/search", Map.of("collection", "absent", "query", "x")).status())
                    .isEqualTo(404);
            assertThat(admin().post("/api/v1/search", "{not json").status()).isEqualTo(400);
        }
        assertThat(admission.bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(admission.limit());
    }

    /** Spring MVC decodes a path before matching it: admission decides on the handler it matched, not the spelling. */
    @Test
    void percentEncodedAndOtherwiseRespelledPathsAreShedLikePlainOnes() {
        holdEveryPlace();
        Map<String, String> search = Map.of("collection", COLLECTION, "query", "vacation");
        for (String path : List.of("/api/v1/%73earch", "/api/v1/s%65arch", "/api/v1/%61nswer", "/api/v1/%63hat",
                "/api/v1/%72erank", "/api/v1/evaluations/%61nswers")) {
            Api.Response shed = admin().post(path, search);
            assertThat(shed.status()).as(path + ": " + shed.raw()).isEqualTo(503);
            assertThat(shed.problemType()).as(path).isEqualTo("overloaded");
        }
        Api.Response facade = admin().post("/v1/chat/%63ompletions",
                Map.of("model", "lore:" + COLLECTION, "messages", List.of(Map.of("role", "user", "content", "hi"))));
        assertThat(facade.status()).as(facade.raw()).isEqualTo(503);
        assertThat(facade.body().path("error").path("code").asString()).isEqualTo("overloaded");

        releaseHeldPlaces();
        assertThat(admin().post("/api/v1/%73earch", search).status()).isEqualTo(200);
    }

    /** Every endpoint that calls a model or scans much takes a place, whether or not what it names exists. */
    @Test
    void agentsStepsRecallAndAnswerEvaluationsAreBoundedToo() {
        holdEveryPlace();
        String agent = "/api/v1/agents/" + UUID.randomUUID();
        String simulation = "/api/v1/simulations/" + UUID.randomUUID();
        Map<String, Object> any = Map.of("question", "why?", "text", "x");
        for (String path : List.of(agent + "/memories", agent + "/reflect", agent + "/plan", agent + "/interview",
                agent + "/converse", agent + "/reembed", simulation + "/step", simulation + "/agents",
                simulation + "/reembed", "/api/v1/collections/" + COLLECTION + "/dense-search/recall",
                "/api/v1/evaluations/answers", "/api/v1/evaluations", "/api/v2/rerank")) {
            Api.Response shed = admin().post(path, any);
            assertThat(shed.status()).as(path + ": " + shed.raw()).isEqualTo(503);
        }
        assertThat(admin().get(agent + "/memories?query=x").status()).isEqualTo(503);
        // cheap endpoints and kick-offs answer as ever
        assertThat(admin().get(agent).status()).isEqualTo(404);
        assertThat(admin().get(simulation).status()).isEqualTo(404);
        assertThat(admin().get("/api/v1/chat").status()).isEqualTo(200);
        assertThat(admin().get("/api/v1/collections/" + COLLECTION).status()).isEqualTo(200);
    }

    @Test
    void mcpRequestsAreShedLikeTheRestApi() throws Exception {
        Map<String, Object> call = Map.of("jsonrpc", "2.0", "id", 1, "method", "tools/call", "params",
                Map.of("name", "search", "arguments", Map.of("collection", COLLECTION, "query", "vacation")));
        holdEveryPlace();
        Api.Response shed = admin().post("/mcp", call);
        assertThat(shed.status()).as(shed.raw()).isEqualTo(503);
        assertThat(shed.problemType()).isEqualTo("overloaded");

        releaseHeldPlaces();
        // the Streamable HTTP transport serves clients that accept both JSON and an event stream
        HttpResponse<String> served = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/mcp"))
                .header("Authorization", "Bearer " + ADMIN_KEY).header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(call))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
        assertThat(json.readTree(served.body()).path("result").path("content").get(0).path("text").asString())
                .contains("leave.md");
        // the place is given back when the server's handling ends, which may be just after the client has the body
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                admission.bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(admission.limit()));
    }

    private void holdEveryPlace() {
        while (admission.bulkhead().tryAcquirePermission()) {
            held++;
        }
        assertThat(held).isEqualTo(admission.limit());
    }

    private double count(String outcome) {
        return meters.counter("lore.admission.requests", "outcome", outcome).count();
    }
}
