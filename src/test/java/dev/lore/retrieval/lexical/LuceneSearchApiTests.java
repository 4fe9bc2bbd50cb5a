package dev.lore.retrieval.lexical;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

/** The service with the Lucene engine: searches answer the same whichever engine ran, and the view says which. */
class LuceneSearchApiTests extends IntegrationTest {

    @DynamicPropertySource
    static void lucene(DynamicPropertyRegistry registry) {
        registry.add("lore.retrieval.lexical.engine", () -> "lucene");
        // dense search in OpenSearch needs the OpenSearch lexical engine (the suite on OpenSearch turns it on)
        registry.add("lore.retrieval.dense.engine", () -> "postgres");
        registry.add("lore.retrieval.lexical.poll-interval", () -> "500ms");
    }

    @Test
    void searchesAnswerFromTheIndexOnceReadyAndNeverServeADeletedDocument() throws InterruptedException {
        createLeaveAndLaptops("lucene-api");
        // before and after the index has caught up: the same first hit
        JsonNode before = search("vacation days");
        assertThat(before.get(0).path("source").asString()).isEqualTo("leave.md");
        JsonNode index = awaitReady("lucene-api");
        assertThat(index.path("engine").asString()).isEqualTo("lucene");
        assertThat(index.path("indexedChunks").asLong()).isEqualTo(2);
        assertThat(index.path("pendingChanges").asLong()).isZero();
        JsonNode after = search("vacation days");
        assertThat(after.get(0).path("chunkId").asString()).isEqualTo(before.get(0).path("chunkId").asString());
        assertThat(search("laptops").get(0).path("source").asString()).isEqualTo("laptops.md");
        // a metadata filter is resolved in PostgreSQL: no document matches, no hit
        assertThat(admin().post("/api/v1/search", Map.of("collection", "lucene-api", "query", "vacation days",
                "mode", "lexical", "filter", Map.of("metadata", Map.of("team", "nobody")))).body().path("results"))
                .isEmpty();

        String leave = after.get(0).path("documentId").asString();
        assertThat(admin().delete("/api/v1/collections/lucene-api/documents/" + leave).status()).isEqualTo(204);
        assertThat(search("vacation days")).isEmpty();
        awaitReady("lucene-api");
        assertThat(search("vacation days")).isEmpty();
    }

    @Test
    void aMisspeltWordFindsTheChunksThatSpellItRightAndAnUnknownWordFindsNothing() throws InterruptedException {
        admin().post("/api/v1/collections", Map.of("name", "lucene-spelling"));
        assertThat(admin().ingest("lucene-spelling",
                Part.file("travel.md", "# Travel\n\nFile your voucher within five business days of returning.\n"),
                Part.file("holidays.md", "# Holidays\n\nThe office closes on Thanksgiving and New Year's Day.\n"))
                .path("status").asString()).isEqualTo("DONE");
        assertThat(awaitReady("lucene-spelling").path("engine").asString()).isEqualTo("lucene");

        // no chunk holds "vocher": it finds the chunk that spells it right, and only that one
        assertThat(lexical("lucene-spelling", "when is my vocher due")).singleElement()
                .satisfies(hit -> assertThat(hit.path("source").asString()).isEqualTo("travel.md"));
        assertThat(lexical("lucene-spelling", "Thanksgiving")).singleElement()
                .satisfies(hit -> assertThat(hit.path("source").asString()).isEqualTo("holidays.md"));
        // a word the collection lacks, with no close neighbour, is not turned into another word
        assertThat(lexical("lucene-spelling", "Juneteenth")).isEmpty();
    }

    private JsonNode lexical(String collection, String query) {
        return admin().post("/api/v1/search", Map.of("collection", collection, "query", query, "mode", "lexical"))
                .body().path("results");
    }

    private JsonNode search(String query) {
        return admin().post("/api/v1/search", Map.of("collection", "lucene-api", "query", query, "mode", "lexical"))
                .body().path("results");
    }

    /** Waits for the index to report ready (it applies the feed on its own thread); fails after a minute. */
    private JsonNode awaitReady(String collection) throws InterruptedException {
        JsonNode index = null;
        for (int i = 0; i < 600; i++) {
            index = admin().get("/api/v1/collections/" + collection).body().path("lexicalIndex");
            if (index.path("state").asString().equals("ready")) {
                return index;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the lexical index did not get ready: " + index);
    }
}
