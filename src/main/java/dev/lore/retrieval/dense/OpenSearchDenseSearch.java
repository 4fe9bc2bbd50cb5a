package dev.lore.retrieval.dense;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.FieldValue;
import org.opensearch.client.opensearch._types.query_dsl.Query;
import org.opensearch.client.opensearch.core.SearchResponse;
import org.opensearch.client.opensearch.generic.Requests;
import org.opensearch.client.opensearch.generic.Response;

import dev.lore.documents.DenseSearch;

/**
 * Dense search in a collection's OpenSearch index through the k-NN plugin: an HNSW graph of the chunks' whole vectors
 * on the plugin's Lucene engine (cosine; the native faiss and nmslib engines are left alone, as not every cluster
 * can load them), with the search's source and document filter applied inside the graph walk, and cosine similarity
 * as the score, as PostgreSQL's dense search gives it.
 */
public final class OpenSearchDenseSearch {

    /** The vector field of a collection's index. */
    public static final String EMBEDDING = "embedding";

    /** The k-NN plugin's largest {@code knn_vector} dimension on the Lucene engine. */
    public static final int MAX_DIMENSIONS = 16_000;

    /** The keyword fields the collection's index holds beside the text (OpenSearchIndexes writes them). */
    public static final String DOCUMENT = "document";
    public static final String SOURCE = "source";

    /** A chunk and its cosine similarity to the query. */
    public record Hit(UUID chunkId, double score) {
    }

    private final OpenSearchClient client;
    private final int efSearch;

    /**
     * @param efSearch the graph walk's list of best chunks so far, as {@code hnsw.ef_search} is pgvector's: never
     *        fewer than the chunks asked for
     */
    public OpenSearchDenseSearch(OpenSearchClient client, int efSearch) {
        if (efSearch < 1) {
            throw new IllegalArgumentException("efSearch must be positive, was " + efSearch);
        }
        this.client = client;
        this.efSearch = efSearch;
    }

    /** Whether a collection searched this way, with vectors of {@code dimension}, can be searched here. */
    public static boolean serves(DenseSearch search, int dimension) {
        // binary and matryoshka search a smaller graph first and re-score with whole vectors in one SQL statement;
        // the Lucene engine has neither graph, and a graph of whole vectors is the one full search walks
        return search.mode() == DenseSearch.Mode.FULL && dimension >= 1 && dimension <= MAX_DIMENSIONS;
    }

    /** The index settings a collection's index needs for its vector field. */
    public static Map<String, Object> indexSettings() {
        return Map.of("knn", true);
    }

    /**
     * The vector field's mapping for a collection of {@code dimension}: HNSW with the graph parameters pgvector's
     * indexes get ({@code m}, {@code ef_construction}), so that both engines walk graphs of the same shape.
     */
    public static Map<String, Object> fieldMapping(int dimension, int m, int efConstruction) {
        if (dimension < 1 || dimension > MAX_DIMENSIONS) {
            throw new IllegalArgumentException("the Lucene engine indexes 1 to " + MAX_DIMENSIONS
                    + " dimensions, not " + dimension);
        }
        return Map.of("type", "knn_vector", "dimension", dimension,
                "method", Map.of("name", "hnsw", "engine", "lucene", "space_type", "cosinesimil",
                        "parameters", Map.of("m", m, "ef_construction", efConstruction)));
    }

    /**
     * Whether the cluster serves the k-NN plugin's API: false where it has no such endpoint (400, 404 or 405, as a
     * cluster without the plugin answers); a cluster without it refuses the vector field, and dense search then stays
     * in PostgreSQL.
     *
     * @throws IOException where the cluster gives no such answer: out of reach, still starting (5xx), too busy (429),
     *         or a user not allowed the stats (401, 403), which says nothing of the plugin
     */
    public boolean available() throws IOException {
        try (Response response = client.generic().execute(Requests.builder().method("GET")
                .endpoint("/_plugins/_knn/stats/graph_query_requests").build())) {
            int status = response.getStatus();
            if (status == 200) {
                return true;
            }
            if (status == 400 || status == 404 || status == 405) {
                return false;
            }
            throw new IOException("the k-NN plugin's API answered " + status);
        }
    }

    /**
     * The filter clauses of a search of a collection's index, lexical or dense: only chunks of {@code sources}
     * (empty: any) and of {@code documents} (null: any), on the keyword fields both engines' mappings hold.
     */
    public static List<Query> filters(Collection<String> sources, Collection<UUID> documents) {
        List<Query> filters = new ArrayList<>();
        if (!sources.isEmpty()) {
            filters.add(Query.of(q -> q.terms(t -> t.field(SOURCE).terms(v -> v.value(
                    sources.stream().map(FieldValue::of).toList())))));
        }
        if (documents != null) {
            filters.add(Query.of(q -> q.terms(t -> t.field(DOCUMENT).terms(v -> v.value(
                    documents.stream().map(d -> FieldValue.of(d.toString())).toList())))));
        }
        return filters;
    }

    /**
     * The {@code limit} chunks of {@code index} nearest to {@code query} by cosine, nearest first, among those of
     * {@code sources} (empty: any) and {@code documents} (null: any; a metadata filter arrives here resolved to its
     * documents).
     */
    public List<Hit> search(String index, float[] query, Collection<String> sources, Collection<UUID> documents,
            int limit) throws IOException {
        if (documents != null && documents.isEmpty()) {
            return List.of();
        }
        List<Query> filters = filters(sources, documents);
        // the Lucene engine walks the graph keeping k best, so k is its ef_search: ask for at least efSearch and
        // answer the best limit of them. A filter inside the knn clause is applied during the walk (or, where few
        // chunks pass it, by an exact scan of those), so k chunks come back whenever k pass it; a filter outside
        // would drop chunks from the k found and answer fewer
        int k = Math.max(limit, efSearch);
        SearchResponse<Object> response = client.search(s -> s.index(index).size(limit)
                .source(src -> src.fetch(false)).trackTotalHits(t -> t.enabled(false))
                .query(q -> q.knn(knn -> {
                    knn.field(EMBEDDING).vector(query).k(k);
                    if (!filters.isEmpty()) {
                        knn.filter(Query.of(f -> f.bool(b -> b.filter(filters))));
                    }
                    return knn;
                })), Object.class);
        List<Hit> hits = new ArrayList<>(response.hits().hits().size());
        for (org.opensearch.client.opensearch.core.search.Hit<Object> hit : response.hits().hits()) {
            // the engine scores cosinesimil as (1 + cosine) / 2, to keep scores positive; PostgreSQL's dense
            // search answers the cosine itself, which score fusion and the explain trace expect
            hits.add(new Hit(UUID.fromString(hit.id()), 2.0 * hit.score() - 1.0));
        }
        return hits;
    }
}
