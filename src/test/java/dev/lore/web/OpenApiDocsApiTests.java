package dev.lore.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.lore.support.Api;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

/** The OpenAPI description names Lore, offers the bearer key to Swagger UI, and documents problem responses. */
class OpenApiDocsApiTests extends IntegrationTest {

    @Test
    void describesTheBearerKeyAndTheProblemsEachOperationAnswers() {
        Api.Response docs = as(null).get("/v3/api-docs");
        assertThat(docs.status()).as(docs.raw()).isEqualTo(200);
        JsonNode api = docs.body();
        assertThat(api.path("info").path("title").asString()).isEqualTo("Lore");
        assertThat(api.path("components").path("securitySchemes").path("api-key").path("scheme").asString())
                .isEqualTo("bearer");
        assertThat(api.path("security").get(0).has("api-key")).isTrue();
        JsonNode search = api.path("paths").path("/api/v1/search").path("post").path("responses");
        assertThat(search.path("404").path("content").path("application/problem+json").path("schema")
                .path("$ref").asString()).isEqualTo("#/components/schemas/Problem");
        assertThat(search.has("503")).isTrue();
        assertThat(api.path("paths").path("/api/v1/search").path("post").path("summary").asString())
                .startsWith("Search a collection");
    }
}
