package dev.lore.documents;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.Fixtures;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

class IngestionApiTests extends IntegrationTest {

    private static final String LEAVE = """
            ---
            title: Leave policy
            keywords: vacation, holiday
            redirect_from:
              - /old-leave/
            ---

            {% alert %}
            Check the {% page "/travel/" %} page first.
            {% endalert %}

            # Leave

            ## Annual leave

            Full-time employees earn annual leave every pay period. Ask on {% slack_channel "people-ops" %}.
            ANNUAL_FILLER

            ## Sick leave

            Sick leave covers illness, medical appointments and caring for family members.
            {% comment %}internal note: never index me{% endcomment %}
            SICK_FILLER
            """.replace("ANNUAL_FILLER", "Annual leave accrues in hours and carries over to the next year. ".repeat(14))
            .replace("SICK_FILLER", "Sick leave may also be used for medical appointments of family members. ".repeat(14));

    @Autowired
    JdbcClient jdbc;

    private String collection;

    @BeforeEach
    void createCollection(org.junit.jupiter.api.TestInfo info) {
        collection = "ing-" + info.getTestMethod().orElseThrow().getName().toLowerCase().replaceAll("[^a-z0-9]", "");
        collection = collection.substring(0, Math.min(collection.length(), 60));
        assertThat(admin().post("/api/v1/collections", Map.of("name", collection)).status()).isEqualTo(201);
    }

    @Test
    void ingestsMarkdownWithProgressAndHeadingPaths() {
        Api.Response accepted = admin().upload(path(), List.of(Part.file("leave.md", LEAVE)));
        assertThat(accepted.status()).isEqualTo(202);
        String documentId = accepted.body().path("documents").get(0).path("id").asString();
        assertThat(accepted.body().path("documents").get(0).path("status").asString()).isEqualTo("QUEUED");

        JsonNode status = admin().awaitIngestion(accepted.body().path("ingestionId").asString());
        assertThat(status.path("status").asString()).isEqualTo("DONE");
        assertThat(status.path("documentsTotal").asInt()).isEqualTo(1);
        assertThat(status.path("documentsDone").asInt()).isEqualTo(1);
        assertThat(status.path("chunksDone").asInt()).isPositive();
        assertThat(status.path("errors")).isEmpty();

        JsonNode documents = admin().get(path()).body();
        assertThat(documents).hasSize(1);
        assertThat(documents.get(0).path("id").asString()).isEqualTo(documentId);
        assertThat(documents.get(0).path("title").asString()).isEqualTo("Leave policy");
        assertThat(documents.get(0).path("sha256").asString())
                .isEqualTo(Ingestions.sha256(LEAVE.getBytes(StandardCharsets.UTF_8)));

        List<Map<String, Object>> chunks = jdbc.sql("""
                SELECT heading_path, text FROM chunks c JOIN collections k ON k.id = c.collection_id
                WHERE k.name = :name ORDER BY ordinal""").param("name", collection).query().listOfRows();
        String allText = chunks.stream().map(c -> (String) c.get("text")).reduce("", String::concat);
        assertThat(allText).contains("annual leave", "#people-ops")
                .doesNotContain("{%", "%}", "redirect_from", "never index me", "old-leave");
        assertThat(chunks).extracting(c -> c.get("heading_path")).contains("Leave > Sick leave");
        // the short preamble is packed with the next section, whose heading then stays inline
        assertThat(chunks).anySatisfy(c -> assertThat((String) c.get("text"))
                .contains("Check the page first.", "Annual leave\nFull-time employees earn annual leave"));
    }

    @Test
    void identicalBytesMapToTheSameDocument() {
        JsonNode first = admin().ingest(collection, Part.file("a.md", LEAVE));
        String id = first.path("documents").get(0).path("id").asString();

        Api.Response again = admin().upload(path(), List.of(Part.file("renamed.md", LEAVE)));
        assertThat(again.status()).isEqualTo(202);
        assertThat(again.body().path("documents").get(0).path("id").asString()).isEqualTo(id);
        assertThat(again.body().path("documents").get(0).path("duplicate").asBoolean()).isTrue();
        admin().awaitIngestion(again.body().path("ingestionId").asString());

        Api.Response twiceInOne = admin().upload(path(), List.of(Part.file("x.txt", "same words twice"),
                Part.file("y.txt", "same words twice")));
        JsonNode docs = twiceInOne.body().path("documents");
        assertThat(docs.get(0).path("id").asString()).isEqualTo(docs.get(1).path("id").asString());
        admin().awaitIngestion(twiceInOne.body().path("ingestionId").asString());

        assertThat(admin().get(path()).body()).hasSize(2);
        long chunks = jdbc.sql("SELECT count(*) FROM chunks WHERE document_id = CAST(:id AS uuid)")
                .param("id", id).query(Long.class).single();
        assertThat(admin().get(path()).body().valueStream()
                .filter(d -> d.path("id").asString().equals(id)).findFirst().orElseThrow()
                .path("chunks").asLong()).isEqualTo(chunks);
    }

    @Test
    void ingestsJsonHtmlPdfAndDocx() {
        Api.Response json = admin().post(path(), Map.of("title", "Travel", "text", "Book trains through the travel desk.",
                "source", "travel.txt", "metadata", Map.of("team", "ops")));
        assertThat(json.status()).isEqualTo(202);
        assertThat(admin().awaitIngestion(json.body().path("ingestionId").asString()).path("status").asString())
                .isEqualTo("DONE");

        JsonNode status = admin().ingest(collection,
                Part.file("page.html", "<html><head><title>Laptops</title><script>var x=1;</script></head><body>"
                        + "<h1>Equipment</h1><h2>Laptops</h2><p>Every employee receives a laptop.</p></body></html>"),
                Part.file("memo.pdf", Fixtures.pdf("Quarterly budget memo", "Spending on cloud hosting rose.")),
                Part.file("guide.docx", Fixtures.docx("Onboarding guide", "Badges are issued on day one.")));
        assertThat(status.path("status").asString()).as(status.toString()).isEqualTo("DONE");
        assertThat(status.path("documentsDone").asInt()).isEqualTo(3);

        List<String> texts = jdbc.sql("""
                SELECT c.text FROM chunks c JOIN collections k ON k.id = c.collection_id WHERE k.name = :name""")
                .param("name", collection).query(String.class).list();
        String all = String.join("\n", texts);
        assertThat(all).contains("Every employee receives a laptop", "cloud hosting", "Badges are issued",
                "Book trains").doesNotContain("var x");
        assertThat(jdbc.sql("SELECT heading_path FROM chunks WHERE source = 'page.html' AND collection_id = "
                + "(SELECT id FROM collections WHERE name = :name)").param("name", collection).query(String.class)
                .single()).isEqualTo("Equipment > Laptops");
        assertThat(jdbc.sql("SELECT metadata->>'team' FROM documents WHERE source = 'travel.txt' AND collection_id = "
                + "(SELECT id FROM collections WHERE name = :name)").param("name", collection).query(String.class)
                .single()).isEqualTo("ops");
    }

    @Test
    void aCorruptPdfFailsWithAReasonAndLeavesNothing() {
        byte[] corrupt = Arrays.copyOf(Fixtures.pdf("truncated"), 200);
        JsonNode status = admin().ingest(collection, Part.file("broken.pdf", corrupt));
        assertThat(status.path("status").asString()).isEqualTo("FAILED");
        assertThat(status.path("documentsDone").asInt()).isZero();
        assertThat(status.path("errors").get(0).path("source").asString()).isEqualTo("broken.pdf");
        assertThat(status.path("errors").get(0).path("error").asString()).contains("PDF");
        assertThat(admin().get(path()).body()).isEmpty();
        assertThat(chunkCount()).isZero();
    }

    @Test
    void aDocumentWithoutTextFails() {
        JsonNode status = admin().ingest(collection, Part.file("blank.md", "---\ntitle: Only front matter\n---\n\n"));
        assertThat(status.path("status").asString()).isEqualTo("FAILED");
        assertThat(status.path("errors").get(0).path("error").asString()).contains("no text");
        assertThat(admin().get(path()).body()).isEmpty();
    }

    @Test
    void refusesBadUploadsAndChangesNothing() {
        Api.Response empty = admin().upload(path(), List.of(Part.file("empty.md", new byte[0])));
        assertThat(empty.status()).isEqualTo(400);
        assertThat(empty.problemType()).isEqualTo("empty-document");

        Api.Response tooBig = admin().upload(path(), List.of(Part.file("big.txt", "x".repeat(1_100_000))));
        assertThat(tooBig.status()).isEqualTo(413);
        assertThat(tooBig.contentType()).startsWith("application/problem+json");

        Api.Response jsonTooBig = admin().post(path(), Map.of("text", "y".repeat(1_100_000)));
        assertThat(jsonTooBig.status()).isEqualTo(413);

        Api.Response unsupported = admin().upload(path(), List.of(Part.file("tool.exe", "MZ")));
        assertThat(unsupported.status()).isEqualTo(415);
        assertThat(unsupported.problemType()).isEqualTo("unsupported-media-type");

        Api.Response noFiles = admin().upload(path(), List.of(Part.json("metadata", "{}")));
        assertThat(noFiles.status()).isEqualTo(400);

        Api.Response badMetadata = admin().upload(path(), List.of(Part.file("ok.md", "fine"),
                Part.json("metadata", "[1,2")));
        assertThat(badMetadata.status()).isEqualTo(400);
        assertThat(badMetadata.problemType()).isEqualTo("invalid-metadata");

        Api.Response blankJson = admin().post(path(), Map.of("text", "  "));
        assertThat(blankJson.status()).isEqualTo(400);
        Api.Response malformed = admin().post(path(), "{\"text\": [");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.problemType()).isEqualTo("malformed-body");

        Api.Response unknown = admin().upload("/api/v1/collections/no-such-collection/documents",
                List.of(Part.file("a.md", "text")));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.problemType()).isEqualTo("collection-not-found");

        assertThat(admin().get(path()).body()).isEmpty();
        assertThat(jdbc.sql("SELECT count(*) FROM ingestions i JOIN collections c ON c.id = i.collection_id "
                + "WHERE c.name = :name").param("name", collection).query(Long.class).single()).isZero();
    }

    @Test
    void deletingADocumentRemovesItsChunks() {
        JsonNode status = admin().ingest(collection, Part.file("a.md", LEAVE), Part.file("b.txt", "Other text."));
        String id = status.path("documents").get(0).path("id").asString();
        long before = chunkCount();
        assertThat(admin().delete(path() + "/" + id).status()).isEqualTo(204);
        assertThat(admin().get(path()).body()).hasSize(1);
        assertThat(chunkCount()).isLessThan(before).isPositive();
        Api.Response again = admin().delete(path() + "/" + id);
        assertThat(again.status()).isEqualTo(404);
        assertThat(again.problemType()).isEqualTo("document-not-found");
        assertThat(admin().delete(path() + "/not-a-uuid").status()).isEqualTo(400);
        assertThat(jdbc.sql("""
                SELECT c.chunk_count = (SELECT count(*) FROM chunks k WHERE k.collection_id = c.id)
                   AND c.lexeme_total = (SELECT coalesce(sum(tsv_length), 0) FROM chunks k WHERE k.collection_id = c.id)
                FROM collections c WHERE c.name = :n""").param("n", collection).query(Boolean.class).single())
                .as("the collection's text statistics follow inserts and deletes").isTrue();
    }

    @Test
    void takesManyFilesInOneUpload() {
        Part[] files = new Part[80];
        for (int i = 0; i < files.length; i++) {
            files[i] = Part.file("note-" + i + ".txt", "Note number " + i + " about topic " + (i * 7919));
        }
        JsonNode status = admin().ingest(collection, files);
        assertThat(status.path("status").asString()).isEqualTo("DONE");
        assertThat(status.path("documentsDone").asInt()).isEqualTo(80);
        assertThat(admin().get(path()).body()).hasSize(80);
    }

    @Test
    void unknownIngestionIs404() {
        Api.Response response = admin().get("/api/v1/ingestions/" + java.util.UUID.randomUUID());
        assertThat(response.status()).isEqualTo(404);
        assertThat(response.problemType()).isEqualTo("ingestion-not-found");
    }

    private long chunkCount() {
        return jdbc.sql("SELECT count(*) FROM chunks c JOIN collections k ON k.id = c.collection_id WHERE k.name = :n")
                .param("n", collection).query(Long.class).single();
    }

    private String path() {
        return "/api/v1/collections/" + collection + "/documents";
    }
}
