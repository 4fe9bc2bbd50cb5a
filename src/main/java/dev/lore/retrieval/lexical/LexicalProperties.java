package dev.lore.retrieval.lexical;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Which engine answers lexical search, and how this instance keeps its Lucene indexes: where they live (its own
 * directory: Lucene's directories must not be shared between instances), how often it applies the change feed,
 * how many pending changes it applies before it rather rebuilds from {@code chunks}, and how the feed is pruned;
 * {@code correctSpelling}: the Lucene engine also searches, for a query word no chunk holds, the index's closest word
 * ("vocher": "voucher").
 */
@ConfigurationProperties("lore.retrieval.lexical")
@Validated
public record LexicalProperties(
        @DefaultValue("lucene") Engine engine,
        Path indexDir,
        @DefaultValue("500ms") Duration pollInterval,
        @DefaultValue("20000") @Min(1) int rebuildAbove,
        @DefaultValue("5s") Duration heartbeatInterval,
        @DefaultValue("10m") Duration instanceTimeout,
        @DefaultValue("7d") Duration feedMaxAge,
        @DefaultValue OpenSearch opensearch,
        @DefaultValue("true") boolean correctSpelling) {

    public LexicalProperties {
        // beside the user's other Lore data, not the working directory a service manager happens to start in
        indexDir = indexDir != null ? indexDir : Path.of(System.getProperty("user.home"), ".lore", "lexical-index");
        opensearch = opensearch != null ? opensearch : new OpenSearch(List.of(URI.create("http://localhost:9200")),
                "lore-lexical", 1, 1, null, null, Duration.ofSeconds(30), 500);
    }

    public enum Engine {
        /** PostgreSQL's full text, scored by BM25 in SQL. */
        SQL,
        /** A Lucene index per collection in this instance, with SQL answering while an index is not caught up. */
        LUCENE,
        /**
         * An OpenSearch index per collection, shared by every instance (one of them applies the change feed at a
         * time), with SQL answering while an index is not caught up.
         */
        OPENSEARCH
    }

    /**
     * The OpenSearch cluster ({@code urls}, with {@code username} and {@code password} where it asks for them) and
     * its indexes: each collection's is named {@code index-prefix}, {@code -c}, the collection id and a generation
     * (a rebuild writes a new one), and the feed position of each lives in {@code index-prefix-state}. Instances
     * that share a PostgreSQL database share these indexes: give them the same prefix. {@code shards} and
     * {@code replicas} are those of each collection's index (with more than one shard, BM25's statistics are
     * gathered from all shards before scoring, so scores do not depend on how chunks fall into shards).
     */
    public record OpenSearch(
            @DefaultValue("http://localhost:9200") List<URI> urls,
            @DefaultValue("lore-lexical") String indexPrefix,
            @DefaultValue("1") @Min(1) int shards,
            @DefaultValue("1") @Min(0) int replicas,
            String username,
            String password,
            @DefaultValue("30s") Duration timeout,
            @DefaultValue("500") @Min(1) int bulkSize) {
    }
}
