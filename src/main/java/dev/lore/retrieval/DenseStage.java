package dev.lore.retrieval;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import dev.lore.documents.CollectionRef;
import dev.lore.documents.DenseEngine;
import dev.lore.documents.DenseSearch;
import dev.lore.retrieval.dense.DenseProperties;
import dev.lore.retrieval.dense.OpenSearchDenseSearch;
import dev.lore.retrieval.lexical.LexicalProperties;
import dev.lore.retrieval.lexical.OpenSearchIndexes;
import dev.lore.retrieval.lexical.SqlFilter;

import tools.jackson.databind.json.JsonMapper;

/**
 * The dense stage of a search: from the collection's OpenSearch index where the dense engine is {@code opensearch}
 * and that index can answer correctly now (see {@link OpenSearchIndexes#dense}), else from PostgreSQL, as always.
 */
@Component
class DenseStage implements DenseEngine {

    static final String OPENSEARCH = "opensearch";

    private final SearchQueries queries;
    private final OpenSearchIndexes indexes;
    private final JdbcClient jdbc;
    private final JsonMapper json;

    DenseStage(SearchQueries queries, DenseProperties dense, LexicalProperties lexical,
            ObjectProvider<OpenSearchIndexes> indexes, JdbcClient jdbc, JsonMapper json) {
        if (dense.engine() == DenseProperties.Engine.OPENSEARCH
                && lexical.engine() != LexicalProperties.Engine.OPENSEARCH) {
            // the vectors live in the collection's lexical index, written by that engine's feed applier
            throw new IllegalStateException("lore.retrieval.dense.engine=opensearch needs "
                    + "lore.retrieval.lexical.engine=opensearch (it is " + lexical.engine().name().toLowerCase()
                    + "): set both, or the dense engine back to postgres");
        }
        // vectors are kept only with the OpenSearch dense engine (LexicalConfiguration), once the cluster has said
        // that it serves the k-NN plugin, which each search reads (OpenSearchIndexes.vectors())
        this.indexes = dense.engine() == DenseProperties.Engine.OPENSEARCH ? indexes.getIfAvailable() : null;
        this.queries = queries;
        this.jdbc = jdbc;
        this.json = json;
    }

    @Override
    public String of(DenseSearch search, int dimension) {
        return servedByIndexes(search, dimension) ? OPENSEARCH : SearchQueries.POSTGRES;
    }

    private boolean servedByIndexes(DenseSearch search, int dimension) {
        return indexes != null && indexes.vectors() && OpenSearchDenseSearch.serves(search, dimension);
    }

    /** The collection's {@code limit} chunks nearest to {@code query}, as {@link SearchQueries#dense} finds them. */
    SearchQueries.Dense search(CollectionRef collection, float[] query, SearchFilter filter, int limit,
            int defaultCandidates) {
        if (servedByIndexes(collection.denseSearch(), collection.dimension())) {
            Set<UUID> documents = SqlFilter.documents(jdbc, json, collection.id(), filter);
            // no document passes the filter: PostgreSQL's answer, empty, costs one short query
            Optional<List<OpenSearchDenseSearch.Hit>> hits = documents != null && documents.isEmpty()
                    ? Optional.empty()
                    : indexes.dense(collection, query, filter.sources(), documents, limit);
            if (hits.isPresent()) {
                return new SearchQueries.Dense(hits.get().stream()
                        .map(hit -> new SearchQueries.Candidate(hit.chunkId(), hit.score())).toList(),
                        collection.denseSearch(), 0, 0, 0, Map.of(), OPENSEARCH);
            }
        }
        return queries.dense(collection, query, filter, limit, defaultCandidates);
    }
}
