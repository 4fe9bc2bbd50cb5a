package dev.lore.documents;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

/** The read side people expect of the API: one collection, one document, the keys, metadata where documents show. */
class ReadEndpointsApiTests extends IntegrationTest {

    private final String collection = "read-" + UUID.randomUUID().toString().substring(0, 8);

    @Test
    void oneCollectionAndOneDocumentWithItsMetadataAndStatus() {
        admin().post("/api/v1/collections", Map.of("name", collection, "description", "read side"));
        JsonNode done = admin().ingest(collection, Part.file("leave.md", "# Leave\n\nStaff earn vacation days.\n"),
                Part.json("metadata", "{\"team\":\"people\"}"));
        String id = done.path("documents").get(0).path("id").asString();

        Api.Response one = admin().get("/api/v1/collections/" + collection);
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.body().path("description").asString()).isEqualTo("read side");
        assertThat(one.body().path("documents").asLong()).isEqualTo(1);

        Api.Response document = admin().get("/api/v1/collections/" + collection + "/documents/" + id);
        assertThat(document.status()).isEqualTo(200);
        assertThat(document.body().path("status").asString()).isEqualTo("DONE");
        assertThat(document.body().path("metadata").path("team").asString()).isEqualTo("people");
        assertThat(admin().get("/api/v1/collections/" + collection + "/documents").body().get(0).path("metadata")
                .path("team").asString()).isEqualTo("people");

        JsonNode failed = admin().ingest(collection, Part.file("blank.md", "   \n"));
        String failedId = failed.path("documents").get(0).path("id").asString();
        JsonNode failedDocument = admin().get("/api/v1/collections/" + collection + "/documents/" + failedId).body();
        assertThat(failedDocument.path("status").asString()).isEqualTo("FAILED");
        assertThat(failedDocument.path("error").asString()).isNotBlank();

        assertThat(admin().get("/api/v1/collections/" + collection + "/documents/" + UUID.randomUUID()).status())
                .isEqualTo(404);
        assertThat(admin().get("/api/v1/collections/absent-" + collection).status()).isEqualTo(404);
        String stranger = admin().post("/api/v1/keys", Map.of("name", "read-stranger", "collections",
                List.of("elsewhere"), "permissions", List.of("read"))).body().path("key").asString();
        assertThat(as(stranger).get("/api/v1/collections/" + collection).status()).isEqualTo(404);
        assertThat(as(stranger).get("/api/v1/collections/" + collection + "/documents/" + id).status())
                .isEqualTo(404);

        JsonNode hit = admin().post("/api/v1/search", Map.of("collection", collection, "query", "vacation"))
                .body().path("results").get(0);
        assertThat(hit.path("metadata").path("team").asString()).as("search hits carry metadata")
                .isEqualTo("people");
    }

    @Test
    void documentListingsPageInAStableOrder() {
        admin().post("/api/v1/collections", Map.of("name", collection));
        List<Part> files = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            files.add(Part.file("note-" + i + ".md", "# Note " + i + "\n\nRoom " + i + " has a screen.\n"));
        }
        admin().ingest(collection, files.toArray(Part[]::new));
        List<String> all = ids(admin().get("/api/v1/collections/" + collection + "/documents").body());
        List<String> paged = new ArrayList<>();
        for (int offset = 0; offset < 7; offset += 3) {
            paged.addAll(ids(admin().get("/api/v1/collections/" + collection + "/documents?limit=3&offset=" + offset)
                    .body()));
        }
        assertThat(all).hasSize(7);
        assertThat(paged).isEqualTo(all);
    }

    @Test
    void administratorsListKeysWithoutTheirSecrets() {
        Api.Response minted = admin().post("/api/v1/keys", Map.of("name", "listed-" + collection, "collections",
                List.of("*"), "permissions", List.of("read")));
        String id = minted.body().path("id").asString();
        Api.Response keys = admin().get("/api/v1/keys");
        assertThat(keys.status()).isEqualTo(200);
        JsonNode listed = null;
        for (JsonNode key : keys.body()) {
            if (key.path("id").asString().equals(id)) {
                listed = key;
            }
        }
        assertThat(listed).isNotNull();
        assertThat(listed.path("name").asString()).isEqualTo("listed-" + collection);
        assertThat(listed.path("permissions").get(0).asString()).isEqualTo("read");
        assertThat(keys.raw()).doesNotContain(minted.body().path("key").asString());
        admin().delete("/api/v1/keys/" + id);
        assertThat(admin().get("/api/v1/keys").raw()).doesNotContain(id);
        assertThat(admin().get("/api/v1/keys?revoked=true").raw()).contains(id);
        assertThat(as(minted.body().path("key").asString()).get("/api/v1/keys").status()).isIn(401, 403);
    }

    private static List<String> ids(JsonNode documents) {
        List<String> ids = new ArrayList<>();
        documents.forEach(d -> ids.add(d.path("id").asString()));
        return ids;
    }
}
