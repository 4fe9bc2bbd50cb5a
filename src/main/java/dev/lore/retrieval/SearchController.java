package dev.lore.retrieval;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.lore.web.LoreException;

/** {@code POST /api/v1/search}: dense, lexical or hybrid search over one collection. */
@RestController
class SearchController {

    private static final Set<String> FILTER_KEYS = Set.of("source", "documentId", "metadata");

    private final Retriever retriever;
    private final RetrievalProperties properties;

    SearchController(Retriever retriever, RetrievalProperties properties) {
        this.retriever = retriever;
        this.properties = properties;
    }

    record SearchBody(String collection, String query, Integer topK, String mode, Object hyde, String rerank,
            Map<String, Object> filter, Integer candidates, Boolean explain) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SearchResponse(List<SearchHit> results, Map<String, Long> timingsMs, Map<String, Object> trace) {
    }

    @PostMapping("/api/v1/search")
    SearchResponse search(@RequestBody SearchBody body) {
        rejectUnavailable(body);
        int topK = body.topK() == null ? properties.topK() : body.topK();
        int candidates = body.candidates() == null ? Math.max(properties.candidates(), topK) : body.candidates();
        SearchRequest request = new SearchRequest(body.collection(), body.query(), topK, SearchMode.parse(body.mode()),
                filter(body.filter()), candidates, Boolean.TRUE.equals(body.explain()));
        SearchResult result = retriever.search(request);
        return new SearchResponse(result.results(), result.timingsMs(), result.trace());
    }

    private static void rejectUnavailable(SearchBody body) {
        if (body.hyde() != null && !Boolean.FALSE.equals(body.hyde())) {
            if (!(body.hyde() instanceof Boolean) && !(body.hyde() instanceof Map)) {
                throw LoreException.invalid("hyde must be true, false or an object like {\"documents\":4}");
            }
            throw LoreException.badRequest("hyde-unavailable", "HyDE unavailable",
                    "HyDE needs a configured generator, and this version of Lore has none yet; search with hyde=false");
        }
        if (body.rerank() != null && !body.rerank().equals("none")) {
            if (!Set.of("cross-encoder", "llm", "api").contains(body.rerank())) {
                throw LoreException.invalid("rerank must be none, cross-encoder, llm or api, not '" + body.rerank() + "'");
            }
            throw LoreException.badRequest("rerank-unavailable", "Reranker unavailable",
                    "Reranker '" + body.rerank() + "' is not available in this version of Lore; use rerank=none");
        }
    }

    private static SearchFilter filter(Map<String, Object> filter) {
        if (filter == null || filter.isEmpty()) {
            return SearchFilter.NONE;
        }
        for (String key : filter.keySet()) {
            if (!FILTER_KEYS.contains(key)) {
                throw LoreException.invalid("Unknown filter '" + key + "' (expected source, documentId or metadata)");
            }
        }
        List<String> sources = strings(filter.get("source"), "filter.source");
        List<UUID> documents = new ArrayList<>();
        for (String id : strings(filter.get("documentId"), "filter.documentId")) {
            try {
                documents.add(UUID.fromString(id));
            }
            catch (IllegalArgumentException e) {
                throw LoreException.invalid("filter.documentId '" + id + "' is not a UUID");
            }
        }
        Object metadata = filter.get("metadata");
        if (metadata != null && !(metadata instanceof Map)) {
            throw LoreException.invalid("filter.metadata must be a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> metadataMap = metadata == null ? Map.of() : (Map<String, Object>) metadata;
        return new SearchFilter(sources, documents, metadataMap);
    }

    private static List<String> strings(Object value, String name) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof String s) {
            return List.of(s);
        }
        if (value instanceof List<?> list && list.stream().allMatch(String.class::isInstance)) {
            return list.stream().map(String.class::cast).toList();
        }
        throw LoreException.invalid(name + " must be a string or a list of strings");
    }
}
