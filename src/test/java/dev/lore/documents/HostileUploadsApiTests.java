package dev.lore.documents;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * Hostile uploads, made by the test itself, each end as a clear 4xx or a FAILED item with a reason, while ordinary
 * documents uploaded with them (in the same request and in another collection at the same time) end DONE.
 */
@TestPropertySource(properties = { "lore.documents.parse-timeout=10s",
        "lore.documents.max-extracted-characters=2000000" })
class HostileUploadsApiTests extends IntegrationTest {

    @Autowired
    JdbcClient jdbc;

    @Test
    void eachHostileDocumentFailsAloneWithAReasonAndTheOthersAreStored() {
        admin().post("/api/v1/collections", Map.of("name", "hostile"));
        admin().post("/api/v1/collections", Map.of("name", "hostile-neighbour"));
        String run = "x".repeat(600_000);
        List<Part> parts = List.of(
                Part.file("deep.pdf", HostileFiles.deepPageTree(17_000)),
                Part.file("pages.pdf", HostileFiles.manyPageReferences(150_000)),
                Part.file("bomb.docx", HostileFiles.docxBomb(2_000_000)),
                Part.file("nul.txt", "Parking\u0000 is in lot B.\n\nVisitors\u0000 sign in at the desk.\n"),
                Part.file("run.txt", "Before the run.\n\n" + run + "\n\nAfter the run.\n"),
                Part.file("leave.md", "# Leave\n\nStaff earn vacation days every month.\n"));
        CompletableFuture<JsonNode> neighbour = CompletableFuture.supplyAsync(() -> admin().ingest(
                "hostile-neighbour", Part.file("laptops.md", "# Laptops\n\nIT hands out laptops on day one.\n")));

        JsonNode ingestion = admin().ingest("hostile", parts.toArray(Part[]::new));

        Map<String, JsonNode> bySource = new java.util.HashMap<>();
        ingestion.path("documents").forEach(d -> bySource.put(d.path("source").asString(), d));
        assertThat(bySource.get("deep.pdf").path("status").asString()).isEqualTo("FAILED");
        assertThat(bySource.get("deep.pdf").path("error").asString()).contains("nested too deeply");
        assertThat(bySource.get("pages.pdf").path("status").asString()).isEqualTo("FAILED");
        assertThat(bySource.get("pages.pdf").path("error").asString())
                .containsAnyOf("lore.documents.parse-timeout", "lore.documents.max-extracted-characters");
        assertThat(bySource.get("bomb.docx").path("status").asString()).isEqualTo("FAILED");
        assertThat(bySource.get("bomb.docx").path("error").asString()).containsIgnoringCase("zip bomb");
        for (String stored : List.of("nul.txt", "run.txt", "leave.md")) {
            assertThat(bySource.get(stored).path("status").asString()).as(stored).isEqualTo("DONE");
        }
        assertThat(neighbour.join().path("status").asString()).isEqualTo("DONE");

        assertThat(texts("nul.txt")).allSatisfy(text -> assertThat(text).doesNotContain("\u0000"))
                .anySatisfy(text -> assertThat(text).contains("Parking is in lot B."));
        List<String> runChunks = texts("run.txt");
        assertThat(runChunks).hasSizeGreaterThan(100)
                .allSatisfy(text -> assertThat(text.length()).isLessThanOrEqualTo(300 * 8));
        assertThat(jdbc.sql("SELECT count(*) FROM documents WHERE source IN ('deep.pdf', 'pages.pdf', 'bomb.docx')")
                .query(Long.class).single()).as("nothing of a failed document is stored").isZero();
    }

    @Test
    void oversizedMetadataIsRefusedWith413NamingTheLimitAndNothingIsQueued() {
        admin().post("/api/v1/collections", Map.of("name", "hostile-metadata"));
        Map<String, Object> metadata = Map.of("blob", "m".repeat(20_000));
        Api.Response json = admin().post("/api/v1/collections/hostile-metadata/documents",
                Map.of("text", "Parking is in lot B.", "metadata", metadata));
        assertThat(json.status()).isEqualTo(413);
        assertThat(json.raw()).contains("lore.documents.max-metadata-size");
        Api.Response multipart = admin().upload("/api/v1/collections/hostile-metadata/documents", List.of(
                Part.file("parking.md", "# Parking\n\nLot B.\n"),
                Part.json("metadata", "{\"blob\":\"" + "m".repeat(20_000) + "\"}")));
        assertThat(multipart.status()).isEqualTo(413);
        assertThat(jdbc.sql("""
                SELECT count(*) FROM ingestion_items i JOIN collections c ON c.id = i.collection_id
                WHERE c.name = 'hostile-metadata'""").query(Long.class).single()).isZero();
    }

    private List<String> texts(String source) {
        return jdbc.sql("""
                SELECT k.text FROM chunks k JOIN collections c ON c.id = k.collection_id
                WHERE c.name = 'hostile' AND k.source = :s ORDER BY k.ordinal""")
                .param("s", source).query(String.class).list();
    }
}
