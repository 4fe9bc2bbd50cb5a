package dev.lore.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.lore.support.Api;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * The OpenAPI description names Lore, offers the bearer key to Swagger UI, documents problem responses, and groups
 * operations by capability in the order a reader meets them.
 */
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

    @Test
    void requestBodiesHaveRealSchemasWhereAFieldTakesTwoShapes() {
        JsonNode schemas = as(null).get("/v3/api-docs").body().path("components").path("schemas");
        JsonNode search = schemas.path("SearchBody").path("properties");
        JsonNode hyde = schemas.path(search.path("hyde").path("$ref").asString().replace("#/components/schemas/", ""));
        assertThat(hyde.path("oneOf").toString()).as(hyde.toString()).contains("HydeSettings").contains("boolean");
        assertThat(schemas.path("HydeSettings").path("properties").has("documents")).isTrue();
        JsonNode filter = schemas.path(search.path("filter").path("$ref").asString().replace(
                "#/components/schemas/", ""));
        assertThat(filter.path("properties").has("source")).as(filter.toString()).isTrue();
        assertThat(filter.path("properties").has("documentId")).isTrue();
        assertThat(filter.path("properties").has("metadata")).isTrue();
        JsonNode answer = schemas.path("AnswerBody").path("properties");
        assertThat(schemas.path(answer.path("flare").path("$ref").asString().replace("#/components/schemas/", ""))
                .path("properties").has("threshold")).as(answer.toString()).isTrue();
    }

    @Test
    void operationsAreGroupedByCapabilityInTheOrderAReaderMeetsThem() {
        JsonNode api = as(null).get("/v3/api-docs").body();
        List<String> tags = new ArrayList<>();
        api.path("tags").forEach(tag -> tags.add(tag.path("name").asString()));
        assertThat(tags).as(api.path("tags").toString()).startsWith("Collections", "Documents", "Search", "Rerank",
                "Answers", "Chat", "OpenAI-compatible", "Agents", "Simulations", "Models", "Keys", "Evaluations");
        assertThat(api.path("tags").get(0).path("description").asString()).isNotBlank();

        List<String> used = new ArrayList<>();
        api.path("paths").forEach(path -> path.forEach(operation -> operation.path("tags")
                .forEach(tag -> used.add(tag.asString()))));
        assertThat(used).as("every operation under a capability, none under a controller's name").isNotEmpty()
                .allSatisfy(tag -> assertThat(tag).doesNotEndWith("-controller").isIn(tags));
        assertThat(api.path("paths").path("/api/v1/simulations/{id}/step").path("post").path("tags").get(0)
                .asString()).isEqualTo("Simulations");
        assertThat(api.path("paths").path("/v1/chat/completions").path("post").path("tags").get(0).asString())
                .isEqualTo("OpenAI-compatible");
        assertThat(api.path("paths").path("/api/v1/evaluations/answers").path("post").path("tags").get(0)
                .asString()).isEqualTo("Evaluations");
    }
}
