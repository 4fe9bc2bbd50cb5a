package dev.lore.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessApiTests extends IntegrationTest {

    @Autowired
    JdbcClient jdbc;

    private String readerKey;
    private String writerKey;

    @BeforeAll
    void setUp() {
        admin().post("/api/v1/collections", Map.of("name", "access-open"));
        admin().post("/api/v1/collections", Map.of("name", "access-secret"));
        admin().ingest("access-secret", Part.file("salaries.md", "# Salaries\nThe director earns a secret amount."));
        admin().ingest("access-open", Part.file("lunch.md", "# Lunch\nLunch is served at noon."));
        readerKey = mint("reader", List.of("access-open"), List.of("read"));
        writerKey = mint("writer", List.of("access-open"), List.of("write"));
    }

    @Test
    void requestsWithoutAValidKeyAre401() {
        Api.Response none = as(null).get("/api/v1/collections");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.contentType()).startsWith("application/problem+json");
        assertThat(none.problemType()).isEqualTo("missing-key");

        Api.Response wrong = as("lore_not-a-real-key").post("/api/v1/search",
                Map.of("collection", "access-open", "query", "lunch"));
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.problemType()).isEqualTo("invalid-key");
    }

    @Test
    void aNarrowKeyNeverSeesAnotherCollection() {
        Api reader = as(readerKey);
        assertThat(reader.get("/api/v1/collections").body().valueStream().map(c -> c.path("name").asString()))
                .containsExactly("access-open");
        assertThat(reader.post("/api/v1/search", Map.of("collection", "access-open", "query", "lunch")).status())
                .isEqualTo(200);

        Api.Response hidden = reader.post("/api/v1/search", Map.of("collection", "access-secret", "query", "salary"));
        Api.Response absent = reader.post("/api/v1/search", Map.of("collection", "access-never", "query", "salary"));
        assertThat(hidden.status()).isEqualTo(404);
        assertThat(hidden.problemType()).isEqualTo("collection-not-found");
        assertThat(hidden.body().path("detail").asString()).isEqualTo(
                absent.body().path("detail").asString().replace("access-never", "access-secret"));
        assertThat(reader.get("/api/v1/collections/access-secret/documents").status()).isEqualTo(404);
        assertThat(reader.upload("/api/v1/collections/access-secret/documents",
                List.of(Part.file("x.md", "sneaky"))).status()).isEqualTo(404);
    }

    @Test
    void readingDoesNotAllowWriting() {
        long before = documents("access-open");
        Api.Response upload = as(readerKey).upload("/api/v1/collections/access-open/documents",
                List.of(Part.file("new.md", "new content")));
        assertThat(upload.status()).isEqualTo(403);
        assertThat(upload.problemType()).isEqualTo("forbidden");
        assertThat(as(readerKey).post("/api/v1/collections", Map.of("name", "reader-made")).status())
                .isEqualTo(403);
        assertThat(documents("access-open")).isEqualTo(before);
    }

    @Test
    void aWriteKeyWritesOnlyItsCollections() {
        Api writer = as(writerKey);
        JsonNode status = writer.ingest("access-open", Part.file("menu.md", "# Menu\nSoup on Fridays."));
        assertThat(status.path("status").asString()).isEqualTo("DONE");
        assertThat(writer.upload("/api/v1/collections/access-secret/documents",
                List.of(Part.file("x.md", "overwrite"))).status()).isEqualTo(404);
        assertThat(writer.post("/api/v1/search", Map.of("collection", "access-open", "query", "soup")).status())
                .isEqualTo(403);
    }

    @Test
    void onlyAdministratorsMintKeysAndRevokedKeysStopWorking() {
        Api.Response byReader = as(readerKey).post("/api/v1/keys",
                Map.of("name", "escalate", "collections", List.of("*"), "permissions", List.of("read")));
        assertThat(byReader.status()).isEqualTo(403);

        Api.Response minted = admin().post("/api/v1/keys",
                Map.of("name", "temp", "collections", List.of("access-open"), "permissions", List.of("read")));
        assertThat(minted.status()).isEqualTo(201);
        String key = minted.body().path("key").asString();
        String id = minted.body().path("id").asString();
        assertThat(jdbc.sql("SELECT count(*) FROM api_keys WHERE key_hash = :k").param("k", key).query(Long.class)
                .single()).as("only the hash is stored").isZero();
        assertThat(as(key).get("/api/v1/collections").status()).isEqualTo(200);

        assertThat(admin().delete("/api/v1/keys/" + id).status()).isEqualTo(204);
        assertThat(as(key).get("/api/v1/collections").status()).isEqualTo(401);
        assertThat(admin().delete("/api/v1/keys/" + id).status()).isEqualTo(404);

        Api.Response badPermission = admin().post("/api/v1/keys",
                Map.of("name", "x", "collections", List.of("a"), "permissions", List.of("root")));
        assertThat(badPermission.status()).isEqualTo(400);
        Api.Response noCollections = admin().post("/api/v1/keys",
                Map.of("name", "x", "collections", List.of(), "permissions", List.of("read")));
        assertThat(noCollections.status()).isEqualTo(400);
    }

    @Test
    void publicEndpointsNeedNoKey() {
        assertThat(as(null).get("/actuator/health").status()).isEqualTo(200);
        assertThat(as(null).get("/v3/api-docs").status()).isEqualTo(200);
    }

    private long documents(String collection) {
        return jdbc.sql("SELECT count(*) FROM documents d JOIN collections c ON c.id = d.collection_id "
                + "WHERE c.name = :n").param("n", collection).query(Long.class).single();
    }

    private String mint(String name, List<String> collections, List<String> permissions) {
        Api.Response response = admin().post("/api/v1/keys",
                Map.of("name", name, "collections", collections, "permissions", permissions));
        assertThat(response.status()).isEqualTo(201);
        return response.body().path("key").asString();
    }
}
