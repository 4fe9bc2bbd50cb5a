package dev.lore.web.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

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
        assertThat(admin().post("/api/v1/rerank", Map.of("query", "q", "documents", java.util.List.of("a")))
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
