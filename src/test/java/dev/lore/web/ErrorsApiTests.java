package dev.lore.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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

/** Hostile or sloppy input ends as a clear 4xx problem that changes nothing, never as a 500. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ErrorsApiTests extends IntegrationTest {

    private static final String COLLECTION = "errors-api";
    private static final String DOCUMENTS = "/api/v1/collections/" + COLLECTION + "/documents";

    @Autowired
    JdbcClient jdbc;

    @BeforeAll
    void setUp() {
        admin().post("/api/v1/collections", Map.of("name", COLLECTION));
        assertThat(admin().ingest(COLLECTION, Part.file("lunch.md", "# Lunch\nLunch is served at noon."))
                .path("status").asString()).isEqualTo("DONE");
    }

    record Case(String path, Object body, String field) {
    }

    @Test
    void aNulCharacterInAnyJsonTextIsRefusedNamingTheField() {
        List<Case> cases = List.of(
                new Case("/api/v1/collections", Map.of("name", "errors-nul", "description", "a\0b"), "'description'"),
                new Case("/api/v1/search", Map.of("collection", COLLECTION, "query", "lunch\0", "mode", "lexical"),
                        "'query'"),
                new Case("/api/v1/search", Map.of("collection", COLLECTION, "query", "lunch\0"), "'query'"),
                new Case("/api/v1/search", Map.of("collection", COLLECTION, "query", "lunch",
                        "filter", Map.of("source", "lunch\0.md")), "'filter.source'"),
                new Case("/api/v1/search", Map.of("collection", COLLECTION, "query", "lunch",
                        "filter", Map.of("metadata", Map.of("team", "ops\0"))), "'filter.metadata.team'"),
                new Case("/api/v1/search", Map.of("collection", COLLECTION, "query", "lunch",
                        "filter", Map.of("metadata", Map.of("team", Map.of("le\0ad", "x")))), "'filter.metadata.team."),
                new Case("/api/v1/search", Map.of("collection", COLLECTION, "query", "lunch",
                        "filter", Map.of("metadata", Map.of("te\0am", "x"))), "'filter.metadata"),
                new Case("/api/v1/evaluations", Map.of("collection", COLLECTION, "questions",
                        List.of(Map.of("query", "lunch\0", "relevant", List.of("lunch.md")))), "'questions[0].query'"),
                new Case(DOCUMENTS, Map.of("text", "fine", "title", "ti\0tle"), "'title'"),
                new Case(DOCUMENTS, Map.of("text", "fine", "source", "so\0urce.md"), "'source'"),
                new Case(DOCUMENTS, Map.of("text", "fi\0ne"), "'text'"),
                new Case(DOCUMENTS, Map.of("text", "fine", "metadata", Map.of("team", List.of("a", "b\0"))),
                        "'metadata.team[1]'"),
                new Case(DOCUMENTS, Map.of("text", "fine", "metadata", Map.of("te\0am", "x")), "'metadata"),
                new Case("/api/v1/keys", Map.of("name", "errors-nul-key", "collections", List.of("a\0"),
                        "permissions", List.of("read")), "'collections[0]'"));
        long documents = documents();
        for (Case c : cases) {
            Api.Response response = admin().post(c.path(), c.body());
            assertThat(response.status()).as(c.path() + " " + c.body()).isEqualTo(400);
            assertThat(response.contentType()).startsWith("application/problem+json");
            assertThat(response.problemType()).as(c.body().toString()).isEqualTo("invalid-request");
            assertThat(response.body().path("detail").asString()).as(c.body().toString())
                    .contains(c.field()).contains("NUL");
        }

        Api.Response multipartMetadata = admin().upload(DOCUMENTS,
                List.of(Part.file("nul.md", "fine"), Part.json("metadata", "{\"team\":\"a\\u0000\"}")));
        assertThat(multipartMetadata.status()).isEqualTo(400);
        assertThat(multipartMetadata.problemType()).isEqualTo("invalid-metadata");

        assertThat(admin().get("/api/v1/collections").body().valueStream().map(c -> c.path("name").asString()))
                .doesNotContain("errors-nul");
        assertThat(documents()).isEqualTo(documents);
        assertThat(jdbc.sql("SELECT count(*) FROM api_keys WHERE name = 'errors-nul-key'").query(Long.class)
                .single()).isZero();
    }

    @Test
    void outOfRangePagingIsA400NamingTheParameter() {
        Api.Response zero = admin().get(DOCUMENTS + "?limit=0");
        assertThat(zero.status()).isEqualTo(400);
        assertThat(zero.problemType()).isEqualTo("invalid-request");
        assertThat(zero.body().path("detail").asString()).startsWith("limit:");

        Api.Response negative = admin().get(DOCUMENTS + "?offset=-1");
        assertThat(negative.status()).isEqualTo(400);
        assertThat(negative.body().path("detail").asString()).startsWith("offset:");

        Api.Response words = admin().get(DOCUMENTS + "?limit=many");
        assertThat(words.status()).isEqualTo(400);
        assertThat(words.body().path("detail").asString()).isEqualTo("'many' is not a valid limit (an integer)");
    }

    @Test
    void aBadIdSaysWhatWasExpected() {
        Api.Response ingestion = admin().get("/api/v1/ingestions/abc");
        assertThat(ingestion.status()).isEqualTo(400);
        assertThat(ingestion.problemType()).isEqualTo("invalid-request");
        assertThat(ingestion.body().path("detail").asString()).isEqualTo("'abc' is not a valid id (a UUID)");
        assertThat(admin().delete(DOCUMENTS + "/abc").body().path("detail").asString())
                .isEqualTo("'abc' is not a valid id (a UUID)");
    }

    @Test
    void brokenMultipartBodiesAre400() {
        Api.Response noBoundary = admin().postRaw(DOCUMENTS, "multipart/form-data",
                "hello".getBytes(StandardCharsets.UTF_8));
        assertThat(noBoundary.status()).isEqualTo(400);
        assertThat(noBoundary.contentType()).startsWith("application/problem+json");
        assertThat(noBoundary.problemType()).isEqualTo("malformed-multipart");

        String truncated = "--cut\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.md\"\r\n\r\nhello";
        Api.Response cut = admin().postRaw(DOCUMENTS, "multipart/form-data; boundary=cut",
                truncated.getBytes(StandardCharsets.UTF_8));
        assertThat(cut.status()).isEqualTo(400);
        assertThat(cut.problemType()).isEqualTo("malformed-multipart");
    }

    @Test
    void tooManyPartsNamesThePartLimitNotTheSize() {
        List<Part> files = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            files.add(Part.file("many-" + i + ".md", "file " + i));
        }
        long documents = documents();
        Api.Response response = admin().upload(DOCUMENTS, files);
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.problemType()).isEqualTo("invalid-request");
        assertThat(response.body().path("detail").asString())
                .contains("server.tomcat.max-part-count").contains("lore.documents.max-files-per-request")
                .doesNotContain("size");
        assertThat(documents()).isEqualTo(documents);
    }

    @Test
    void anOversizedFileNamesTheLimitAndTheSetting() {
        byte[] big = new byte[1024 * 1024 + 1];
        java.util.Arrays.fill(big, (byte) 'a');
        Api.Response response = admin().upload(DOCUMENTS, List.of(Part.file("big.md", big)));
        assertThat(response.status()).isEqualTo(413);
        assertThat(response.problemType()).isEqualTo("payload-too-large");
        assertThat(response.body().path("detail").asString())
                .contains("'big.md'").contains("1048576 bytes").contains("lore.documents.max-file-size");
    }

    @Test
    void aFractionIsNotAnInteger() {
        Api.Response response = admin().post("/api/v1/search",
                Map.of("collection", COLLECTION, "query", "lunch", "topK", 2.7));
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.body().path("detail").asString()).isEqualTo("'topK' must be an integer");
    }

    @Test
    void aNullMetadataFilterIsA400() {
        Api.Response response = admin().post("/api/v1/search",
                "{\"collection\":\"" + COLLECTION + "\",\"query\":\"lunch\","
                        + "\"filter\":{\"metadata\":{\"team\":null}}}");
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.problemType()).isEqualTo("invalid-request");
        assertThat(response.body().path("detail").asString()).startsWith("filter.metadata.team is null");
    }

    @Test
    void theRootPagePointsToTheDocsWithoutAKey() {
        for (String accept : new String[] { "text/html", "*/*" }) {
            Api.Response page = as(null).get("/", "Accept", accept);
            assertThat(page.status()).as(accept).isEqualTo(200);
            assertThat(page.contentType()).startsWith("text/html");
            assertThat(page.raw()).contains("/swagger-ui.html").contains("/v3/api-docs");
        }
    }

    @Test
    void unknownPathsAreProblems() {
        for (String accept : new String[] { "text/html", "application/json", "*/*" }) {
            Api.Response missing = as(null).get("/no-such-page", "Accept", accept);
            assertThat(missing.status()).as(accept).isEqualTo(404);
            assertThat(missing.contentType()).as(accept).startsWith("application/problem+json");
            assertThat(missing.problemType()).isEqualTo("not-found");
        }
    }

    @Test
    void aPathTheFirewallRefusesIsAProblem() {
        Api.Response refused = as(null).get("/api/v1/collections;param=x");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.problemType()).isEqualTo("rejected-request");
    }

    private long documents() {
        return jdbc.sql("SELECT count(*) FROM documents d JOIN collections c ON c.id = d.collection_id "
                + "WHERE c.name = :n").param("n", COLLECTION).query(Long.class).single();
    }
}
