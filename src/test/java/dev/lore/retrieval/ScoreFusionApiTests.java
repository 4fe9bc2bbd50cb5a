package dev.lore.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

/** Hybrid search with {@code lore.retrieval.fusion=scores}: normalised scores, weighted, in the hits and the trace. */
@TestPropertySource(properties = { "lore.retrieval.fusion=scores", "lore.retrieval.fusion-lexical-weight=0.7" })
class ScoreFusionApiTests extends IntegrationTest {

    @Test
    void hybridSearchFusesNormalisedScores() {
        admin().post("/api/v1/collections", Map.of("name", "score-fusion"));
        JsonNode status = admin().ingest("score-fusion",
                Part.file("leave.md", "# Leave\n\nEmployees accrue vacation days and annual leave every pay period.\n"),
                Part.file("laptops.md", "# Laptops\n\nNew hires receive a laptop on their first day.\n"),
                Part.file("travel.md", "# Travel\n\nBook train tickets through the travel agency portal.\n"));
        assertThat(status.path("status").asString()).isEqualTo("DONE");

        Api.Response response = admin().post("/api/v1/search", Map.of("collection", "score-fusion",
                "query", "vacation days annual leave", "mode", "hybrid", "explain", true));
        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        JsonNode first = response.body().path("results").get(0);
        assertThat(first.path("source").asString()).isEqualTo("leave.md");
        // first on both lists: 0.3 x 1 + 0.7 x 1 (reciprocal rank fusion would give 2/61)
        assertThat(first.path("scores").path("fused").asDouble()).isCloseTo(1.0, within(1e-9));
        JsonNode fused = response.body().path("trace").path("stages").path("fused");
        assertThat(fused.path("function").asString()).isEqualTo("scores");
        assertThat(fused.path("lexicalWeight").asDouble()).isEqualTo(0.7);
        for (JsonNode hit : response.body().path("results")) {
            assertThat(hit.path("scores").path("fused").asDouble()).isBetween(0.0, 1.0);
        }
    }
}
