package dev.lore.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.lore.support.Api;
import dev.lore.support.IntegrationTest;

/** Load balancers see health without a key; its details and every other actuator endpoint need the administrator. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ActuatorAccessApiTests extends IntegrationTest {

    private String readerKey;

    @BeforeAll
    void setUp() {
        readerKey = admin().post("/api/v1/keys", Map.of("name", "actuator-reader", "collections", List.of("*"),
                "permissions", List.of("read", "write", "agents"))).body().path("key").asString();
    }

    @Test
    void healthIsPublicButShowsOnlyItsStatus() {
        for (String key : new String[] { null, readerKey }) {
            Api.Response health = as(key).get("/actuator/health");
            assertThat(health.status()).isIn(200, 503);
            assertThat(health.body().path("status").asString()).isNotBlank();
            assertThat(health.body().has("components")).isFalse();
            assertThat(health.raw()).doesNotContain("diskSpace").doesNotContain("\"path\"");
            assertThat(as(key).get("/actuator/health/diskSpace").raw()).doesNotContain("\"path\"");
        }
    }

    @Test
    void administratorsSeeHealthDetails() {
        Api.Response health = admin().get("/actuator/health");
        assertThat(health.body().path("components").path("diskSpace").path("details").has("path")).isTrue();
        assertThat(health.body().path("components").path("db").path("status").asString()).isEqualTo("UP");
    }

    @Test
    void everyOtherEndpointNeedsTheAdministratorKey() {
        for (String path : List.of("/actuator", "/actuator/prometheus", "/actuator/metrics",
                "/actuator/metrics/jvm.memory.used", "/actuator/info")) {
            Api.Response anonymous = as(null).get(path);
            assertThat(anonymous.status()).as(path).isEqualTo(401);
            assertThat(anonymous.contentType()).startsWith("application/problem+json");
            assertThat(anonymous.problemType()).isEqualTo("missing-key");

            Api.Response narrow = as(readerKey).get(path);
            assertThat(narrow.status()).as(path).isEqualTo(403);
            assertThat(narrow.problemType()).isEqualTo("forbidden");

            assertThat(admin().get(path).status()).as(path).isEqualTo(200);
        }
        assertThat(admin().get("/actuator/prometheus").raw()).contains("jvm_memory_used_bytes");
    }
}
