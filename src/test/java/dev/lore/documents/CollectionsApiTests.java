package dev.lore.documents;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.lore.support.Api;
import dev.lore.support.IntegrationTest;

class CollectionsApiTests extends IntegrationTest {

    @Test
    void createsAndListsACollection() {
        Api.Response created = admin().post("/api/v1/collections", Map.of("name", "col-create", "description", "d"));
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.body().path("name").asString()).isEqualTo("col-create");
        assertThat(created.body().path("description").asString()).isEqualTo("d");
        assertThat(created.body().path("createdAt").asString()).isNotBlank();

        Api.Response list = admin().get("/api/v1/collections");
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.body().valueStream().filter(c -> c.path("name").asString().equals("col-create")))
                .singleElement()
                .satisfies(c -> {
                    assertThat(c.path("documents").asLong()).isZero();
                    assertThat(c.path("chunks").asLong()).isZero();
                });
    }

    @Test
    void refusesADuplicateName() {
        admin().post("/api/v1/collections", Map.of("name", "col-dup"));
        Api.Response again = admin().post("/api/v1/collections", Map.of("name", "col-dup"));
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.contentType()).startsWith("application/problem+json");
        assertThat(again.problemType()).isEqualTo("collection-exists");
    }

    @Test
    void refusesInvalidNamesAndBodies() {
        for (String name : new String[] { "Has Space", "UPPER", "", "-leading", "a".repeat(64), "semi;colon" }) {
            Api.Response response = admin().post("/api/v1/collections", Map.of("name", name));
            assertThat(response.status()).as(name).isEqualTo(400);
            assertThat(response.problemType()).isEqualTo("invalid-collection-name");
        }
        Api.Response missing = admin().post("/api/v1/collections", Map.of("description", "no name"));
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.problemType()).isEqualTo("invalid-request");

        Api.Response malformed = admin().post("/api/v1/collections", "{\"name\": ");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.contentType()).startsWith("application/problem+json");
        assertThat(malformed.problemType()).isEqualTo("malformed-body");
    }

    @Test
    void unknownCollectionIsAProblem404() {
        Api.Response response = admin().get("/api/v1/collections/nope-never/documents");
        assertThat(response.status()).isEqualTo(404);
        assertThat(response.problemType()).isEqualTo("collection-not-found");
        assertThat(admin().delete("/api/v1/collections/nope-never").status()).isEqualTo(404);
    }

    @Test
    void unknownPathIsAProblemNotAPage() {
        Api.Response response = admin().get("/api/v1/no-such-endpoint");
        assertThat(response.status()).isEqualTo(404);
        assertThat(response.contentType()).startsWith("application/problem+json");
    }
}
