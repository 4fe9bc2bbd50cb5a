package dev.lore.retrieval;

import java.util.List;
import java.util.Map;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.lore.retrieval.hyde.HydeQueryEmbedder;
import dev.lore.retrieval.rerank.RerankProperties;
import dev.lore.web.Admitted;

/** {@code POST /api/v1/search}: dense, lexical or hybrid search over one collection. */
@RestController
@Tag(name = "Search")
class SearchController {

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

    record SearchBody(String collection, String query, Integer topK,
            @Schema(description = "dense | lexical | hybrid (default)") String mode, HydeOption hyde,
            @Schema(description = "cross-encoder | llm | api, or none") String rerank, Integer rerankCandidates,
            SearchFilter filter, Integer candidates, Boolean explain) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SearchResponse(List<SearchHit> results, Map<String, Long> timingsMs, Map<String, Object> trace,
            Map<String, Object> usage) {
    }

    @Operation(summary = "Search a collection: dense, lexical or hybrid, with HyDE and rerankers")
    @Admitted
    @PostMapping("/api/v1/search")
    SearchResponse search(@RequestBody SearchBody body) {
        int topK = body.topK() == null ? properties.topK() : body.topK();
        int candidates = body.candidates() == null ? Math.max(properties.candidates(), topK) : body.candidates();
        int rerankCandidates = body.rerankCandidates() == null ? Math.max(rerankProperties.candidates(), topK)
                : body.rerankCandidates();
        SearchRequest request = new SearchRequest(body.collection(), body.query(), topK, SearchMode.parse(body.mode()),
                SearchFilter.orNone(body.filter()), candidates, Boolean.TRUE.equals(body.explain()),
                HydeOption.settings(body.hyde(), hyde.defaults()), RerankMode.parse(body.rerank()), rerankCandidates);
        SearchResult result = retriever.search(request);
        return new SearchResponse(result.results(), result.timingsMs(), result.trace(), result.usage());
    }
}
