package dev.lore.documents;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.lore.support.Api;
import dev.lore.support.IntegrationTest;

/** Deleting a whole collection is an administrator's act; a key that cannot see the collection gets a 404. */
class CollectionDeletionApiTests extends IntegrationTest {

    @Test
    void onlyTheAdministratorDeletesACollection() {
        admin().post("/api/v1/collections", Map.of("name", "del-open"));
        admin().post("/api/v1/collections", Map.of("name", "del-hidden"));
        Api writer = as(mint("del-writer", List.of("write")));
        Api reader = as(mint("del-reader", List.of("read", "write", "agents")));

        Api.Response byWriter = writer.delete("/api/v1/collections/del-open");
        assertThat(byWriter.status()).isEqualTo(403);
        assertThat(byWriter.problemType()).isEqualTo("forbidden");
        assertThat(reader.delete("/api/v1/collections/del-open").status()).isEqualTo(403);
        Api.Response hidden = writer.delete("/api/v1/collections/del-hidden");
        assertThat(hidden.status()).isEqualTo(404);
        assertThat(hidden.problemType()).isEqualTo("collection-not-found");
        assertThat(names()).contains("del-open", "del-hidden");

        assertThat(admin().delete("/api/v1/collections/del-open").status()).isEqualTo(204);
        assertThat(names()).doesNotContain("del-open").contains("del-hidden");
        assertThat(admin().delete("/api/v1/collections/del-open").status()).isEqualTo(404);
    }

    private List<String> names() {
        return admin().get("/api/v1/collections").body().valueStream().map(c -> c.path("name").asString()).toList();
    }

    private String mint(String name, List<String> permissions) {
        return admin().post("/api/v1/keys", Map.of("name", name, "collections", List.of("del-open"),
                "permissions", permissions)).body().path("key").asString();
    }
}
