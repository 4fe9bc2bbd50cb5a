package dev.lore.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The test node answers HTTP and has the analysis module the OpenSearch engine's indexes need (Snowball stemming,
 * possessives), which the server alone lacks.
 */
@ExtendWith(RequiresOpenSearch.class)
class TestOpenSearchTests {

    @Test
    void theNodeAnalyzesEnglishWithTheCommonAnalysisModule() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(TestOpenSearch.url() + "/_analyze")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"tokenizer": "standard",
                         "filter": [{"type": "stemmer", "language": "possessive_english"}, "lowercase",
                                    {"type": "snowball", "language": "English"}],
                         "text": "The agency's Running dogs"}""")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).contains("\"agenc\"", "\"run\"", "\"dog\"").doesNotContain("agency's");
    }
}
