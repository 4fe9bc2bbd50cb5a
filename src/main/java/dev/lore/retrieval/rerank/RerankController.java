package dev.lore.retrieval.rerank;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import dev.lore.models.Reranker;
import dev.lore.retrieval.RerankMode;
import dev.lore.web.Admitted;
import dev.lore.web.LoreException;

/**
 * {@code POST /api/v1/rerank} and {@code /api/v2/rerank} in Cohere's request and response shapes, so both Cohere
 * clients can use Lore's rerankers; {@code model} picks one ({@code cross-encoder}, {@code llm}, {@code api}), else
 * the preferred configured one. Cohere's v2 client always names one of Cohere's models ({@code rerank-v3.5}): on
 * the v2 path, a name that is not one of Lore's means the preferred reranker.
 */
@RestController
@Tag(name = "Rerank")
class RerankController {

    private final Rerankers rerankers;
    private final RerankProperties properties;

    RerankController(Rerankers rerankers, RerankProperties properties) {
        this.rerankers = rerankers;
        this.properties = properties;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record RerankBody(String query, List<Object> documents, @JsonProperty("top_n") Integer topN,
            @JsonProperty("return_documents") Boolean returnDocuments, String model,
            @JsonProperty("max_tokens_per_doc") Integer maxTokensPerDoc) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record RerankResult(int index, @JsonProperty("relevance_score") double relevanceScore, Document document) {
    }

    record Document(String text) {
    }

    record RerankResponse(String id, List<RerankResult> results, Map<String, Object> meta) {
    }

    @Operation(summary = "Rerank texts for a query, in Cohere's v1 shape")
    @Admitted
    @PostMapping("/api/v1/rerank")
    RerankResponse rerank(@RequestBody RerankBody body) {
        return rerank(body, body.model(), "1");
    }

    @Operation(summary = "Rerank texts for a query, in Cohere's v2 shape")
    @Admitted
    @PostMapping("/api/v2/rerank")
    RerankResponse rerankV2(@RequestBody RerankBody body) {
        return rerank(body, namesLoreReranker(body.model()) ? body.model() : null, "2");
    }

    private static boolean namesLoreReranker(String model) {
        try {
            return model != null && RerankMode.parse(model) != RerankMode.NONE;
        }
        catch (LoreException e) {
            return false;
        }
    }

    private RerankResponse rerank(RerankBody body, String model, String apiVersion) {
        if (body.query() == null || body.query().isBlank()) {
            throw LoreException.invalid("query must not be blank");
        }
        if (body.documents() == null || body.documents().isEmpty()) {
            throw LoreException.invalid("documents must be a non-empty list");
        }
        if (body.documents().size() > properties.maxDocuments()) {
            throw LoreException.tooLarge("documents holds " + body.documents().size() + " entries; at most "
                    + properties.maxDocuments() + " are reranked in one request (lore.retrieval.rerank.max-documents)");
        }
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < body.documents().size(); i++) {
            texts.add(text(body.documents().get(i), i));
        }
        int topN = body.topN() == null ? texts.size() : body.topN();
        if (topN < 1) {
            throw LoreException.invalid("top_n must be positive");
        }
        if (body.maxTokensPerDoc() != null && body.maxTokensPerDoc() < 1) {
            throw LoreException.invalid("max_tokens_per_doc must be positive");
        }
        Map.Entry<RerankMode, Reranker> chosen = choose(model);
        List<Double> scores = chosen.getValue().score(body.query(), texts);
        List<RerankResult> results = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            results.add(new RerankResult(i, scores.get(i),
                    Boolean.TRUE.equals(body.returnDocuments()) ? new Document(texts.get(i)) : null));
        }
        results.sort(Comparator.comparingDouble(RerankResult::relevanceScore).reversed());
        return new RerankResponse(UUID.randomUUID().toString(), results.subList(0, Math.min(topN, results.size())),
                Map.of("api_version", Map.of("version", apiVersion), "model",
                        Map.of("kind", chosen.getKey().id(), "name", chosen.getValue().name()),
                        "billed_units", Map.of("search_units", 1)));
    }

    private Map.Entry<RerankMode, Reranker> choose(String model) {
        if (model == null || model.isBlank()) {
            return rerankers.preferred().orElseThrow(() -> LoreException.badRequest("reranker-unavailable",
                    "Reranker unavailable", "No reranker is configured: set lore.rerank.cross-encoder.model-dir, "
                            + "lore.rerank.api.base-url, or a generator (lore.generator)"));
        }
        RerankMode mode;
        try {
            mode = RerankMode.parse(model);
        }
        catch (LoreException e) {
            throw LoreException.invalid("model must be cross-encoder, llm or api, not '" + model + "'");
        }
        if (mode == RerankMode.NONE) {
            throw LoreException.invalid("model must be cross-encoder, llm or api, not 'none'");
        }
        return Map.entry(mode, rerankers.get(mode));
    }

    private String text(Object document, int index) {
        String text = null;
        if (document instanceof String s) {
            text = s;
        }
        else if (document instanceof Map<?, ?> map && map.get("text") instanceof String s) {
            text = s;
        }
        if (text == null) {
            throw LoreException.invalid("documents[" + index + "] must be a string or an object with a \"text\" string");
        }
        if (text.length() > properties.maxDocumentChars()) {
            throw LoreException.tooLarge("documents[" + index + "] is longer than " + properties.maxDocumentChars()
                    + " characters (lore.retrieval.rerank.max-document-chars)");
        }
        return text;
    }
}
