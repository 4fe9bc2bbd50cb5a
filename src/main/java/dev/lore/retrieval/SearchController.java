package dev.lore.retrieval;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import io.swagger.v3.oas.annotations.Operation;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.lore.retrieval.hyde.HydeQueryEmbedder;
import dev.lore.retrieval.rerank.RerankProperties;
import dev.lore.web.LoreException;

/** {@code POST /api/v1/search}: dense, lexical or hybrid search over one collection. */
@RestController
class SearchController {

    private static final Set<String> HYDE_KEYS = Set.of("documents", "includeQuery", "prompt");

    private final Retriever retriever;
    private final RetrievalProperties properties;
    private final RerankProperties rerankProperties;
    private final HydeQueryEmbedder hyde;

    SearchController(Retriever retriever, RetrievalProperties properties, RerankProperties rerankProperties,
            HydeQueryEmbedder hyde) {
        this.retriever = retriever;
        this.properties = properties;
        this.rerankProperties = rerankProperties;
        this.hyde = hyde;
    }

    record SearchBody(String collection, String query, Integer topK, String mode, Object hyde, String rerank,
            Integer rerankCandidates, Map<String, Object> filter, Integer candidates, Boolean explain) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SearchResponse(List<SearchHit> results, Map<String, Long> timingsMs, Map<String, Object> trace,
            Map<String, Object> usage) {
    }

    @Operation(summary = "Search a collection: dense, lexical or hybrid, with HyDE and rerankers")
    @PostMapping("/api/v1/search")
    SearchResponse search(@RequestBody SearchBody body) {
        int topK = body.topK() == null ? properties.topK() : body.topK();
        int candidates = body.candidates() == null ? Math.max(properties.candidates(), topK) : body.candidates();
        int rerankCandidates = body.rerankCandidates() == null ? Math.max(rerankProperties.candidates(), topK)
                : body.rerankCandidates();
        SearchRequest request = new SearchRequest(body.collection(), body.query(), topK, SearchMode.parse(body.mode()),
                SearchFilter.fromJson(body.filter()), candidates, Boolean.TRUE.equals(body.explain()),
                hydeSettings(body.hyde()), RerankMode.parse(body.rerank()), rerankCandidates);
        SearchResult result = retriever.search(request);
        return new SearchResponse(result.results(), result.timingsMs(), result.trace(), result.usage());
    }

    private HydeSettings hydeSettings(Object value) {
        if (value == null || Boolean.FALSE.equals(value)) {
            return null;
        }
        if (Boolean.TRUE.equals(value)) {
            return hyde.defaults();
        }
        if (!(value instanceof Map<?, ?> settings)) {
            throw LoreException.invalid("hyde must be true, false or an object like {\"documents\":4,\"includeQuery\":true}");
        }
        for (Object key : settings.keySet()) {
            if (!HYDE_KEYS.contains(key)) {
                throw LoreException.invalid("Unknown hyde setting '" + key + "' (expected documents, includeQuery or prompt)");
            }
        }
        HydeSettings defaults = hyde.defaults();
        Object documents = settings.get("documents");
        Object includeQuery = settings.get("includeQuery");
        Object prompt = settings.get("prompt");
        if (documents != null && !(documents instanceof Integer)) {
            throw LoreException.invalid("hyde.documents must be an integer");
        }
        if (includeQuery != null && !(includeQuery instanceof Boolean)) {
            throw LoreException.invalid("hyde.includeQuery must be true or false");
        }
        if (prompt != null && !(prompt instanceof String)) {
            throw LoreException.invalid("hyde.prompt must be a string");
        }
        return new HydeSettings(documents == null ? defaults.documents() : (Integer) documents,
                includeQuery == null || (Boolean) includeQuery, (String) prompt);
    }
}
