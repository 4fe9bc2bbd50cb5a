package dev.lore.retrieval.lexical;

import java.nio.file.Path;
import java.time.Duration;

import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Which engine answers lexical search, and how this instance keeps its Lucene indexes: where they live (its own
 * directory: Lucene's directories must not be shared between instances), how often it applies the change feed,
 * how many pending changes it applies before it rather rebuilds from {@code chunks}, and how the feed is pruned.
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
        @DefaultValue("7d") Duration feedMaxAge) {

    public LexicalProperties {
        // beside the user's other Lore data, not the working directory a service manager happens to start in
        indexDir = indexDir != null ? indexDir : Path.of(System.getProperty("user.home"), ".lore", "lexical-index");
    }

    public enum Engine {
        /** PostgreSQL's full text, scored by BM25 in SQL. */
        SQL,
        /** A Lucene index per collection in this instance, with SQL answering while an index is not caught up. */
        LUCENE
    }
}
