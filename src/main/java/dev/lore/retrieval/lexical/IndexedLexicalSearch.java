package dev.lore.retrieval.lexical;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;

import dev.lore.retrieval.SearchFilter;

import tools.jackson.databind.json.JsonMapper;

/**
 * Lexical search from an index derived from PostgreSQL (Lucene's in this instance, or OpenSearch's), and from SQL
 * wherever the index cannot answer correctly now (missing, building, failed, or behind the change feed). A metadata
 * filter is resolved in PostgreSQL first, to the matching documents ({@link SqlFilter#documents}).
 */
abstract class IndexedLexicalSearch implements LexicalSearch {

    private final SqlLexicalSearch sql;
    private final JdbcClient jdbc;
    private final JsonMapper json;

    IndexedLexicalSearch(SqlLexicalSearch sql, JdbcClient jdbc, JsonMapper json) {
        this.sql = sql;
        this.jdbc = jdbc;
        this.json = json;
    }

    /**
     * The collection's best chunks for {@code query} from the index, or nothing where it cannot answer correctly now.
     * {@code documents}: only these documents (null: any).
     */
    abstract Optional<List<LexicalHit>> searchIndex(long collectionId, String query, Collection<String> sources,
            Collection<UUID> documents, int limit);

    @Override
    public List<LexicalHit> search(long collectionId, String query, SearchFilter filter, int limit) {
        Set<UUID> documents = SqlFilter.documents(jdbc, json, collectionId, filter);
        if (documents != null && documents.isEmpty()) {
            return List.of();
        }
        Optional<List<LexicalHit>> hits = searchIndex(collectionId, query, filter.sources(), documents, limit);
        return hits.orElseGet(() -> sql.search(collectionId, query, filter, limit));
    }
}
