package dev.lore.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.lore.support.Api;
import dev.lore.support.IntegrationTest;

/** A key names collections that exist or could exist; unknown ones are accepted and said to be unknown. */
class KeyMintingApiTests extends IntegrationTest {

    @Autowired
    JdbcClient jdbc;

    @Test
    void aNameNoCollectionCanHaveIsA400AndMintsNothing() {
        String keyName = "km-invalid-" + UUID.randomUUID();
        for (String name : List.of("../gamma", "Gamma", "has space", "-dash", "a".repeat(64), "")) {
            Api.Response response = mint(keyName, List.of("km-valid", name));
            assertThat(response.status()).as(name).isEqualTo(400);
            assertThat(response.problemType()).as(name).isIn("invalid-collection-name", "invalid-request");
        }
        assertThat(mint(keyName, List.of("../gamma")).body().path("detail").asString()).contains("'../gamma'");
        assertThat(jdbc.sql("SELECT count(*) FROM api_keys WHERE name = :n").param("n", keyName).query(Long.class)
                .single()).isZero();
    }

    @Test
    void anUnknownCollectionIsAcceptedAndNamedInTheAnswer() {
        admin().post("/api/v1/collections", Map.of("name", "km-known"));

        Api.Response response = mint("km-future", List.of("km-known", "km-not-yet", "*"));
        assertThat(response.status()).isEqualTo(201);
        assertThat(response.body().path("unknownCollections").valueStream().map(n -> n.asString()))
                .containsExactly("km-not-yet");
        assertThat(response.body().path("warning").asString()).contains("'km-not-yet'");

        Api.Response known = mint("km-known-only", List.of("km-known"));
        assertThat(known.status()).isEqualTo(201);
        assertThat(known.body().has("unknownCollections")).isFalse();
        assertThat(known.body().has("warning")).isFalse();
        assertThat(mint("km-everything", List.of("*")).body().has("unknownCollections")).isFalse();
    }

    @Test
    void aKeyAcceptsExactlyTheNamesACollectionMayHave() {
        for (String name : List.of("km-rule-ok", "0km", "km_under", "Km-upper", "km.dot", "km/slash", "é")) {
            int created = admin().post("/api/v1/collections", Map.of("name", name)).status();
            boolean collection = created == 201 || created == 409;
            boolean key = mint("km-rule", List.of(name)).status() == 201;
            assertThat(key).as(name).isEqualTo(collection);
        }
    }

    private Api.Response mint(String name, List<String> collections) {
        return admin().post("/api/v1/keys",
                Map.of("name", name, "collections", collections, "permissions", List.of("read")));
    }
}
