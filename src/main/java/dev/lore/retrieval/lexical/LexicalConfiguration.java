package dev.lore.retrieval.lexical;

import java.lang.management.ManagementFactory;
import java.util.UUID;

import javax.sql.DataSource;

import org.opensearch.client.opensearch.OpenSearchClient;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.lore.documents.LexicalIndexStatus;
import dev.lore.documents.VectorIndexProperties;
import dev.lore.retrieval.dense.DenseProperties;
import dev.lore.retrieval.dense.OpenSearchDenseSearch;

import tools.jackson.databind.json.JsonMapper;

/**
 * The lexical engine {@code lore.retrieval.lexical.engine} names: {@code lucene} (the default: this instance's
 * indexes, fed from PostgreSQL, with SQL answering while an index is not caught up), {@code opensearch} (indexes in
 * an OpenSearch cluster shared by every instance, fed and backed up the same way) or {@code sql} (PostgreSQL alone).
 * With {@code opensearch}, and the dense engine {@code opensearch} on a cluster with the k-NN plugin, the indexes hold
 * the chunks' vectors too.
 */
@Configuration(proxyBeanMethods = false)
class LexicalConfiguration {

    @Bean(initMethod = "start", destroyMethod = "close")
    @ConditionalOnProperty(name = "lore.retrieval.lexical.engine", havingValue = "lucene", matchIfMissing = true)
    LuceneIndexes luceneIndexes(DataSource dataSource, LexicalProperties properties) {
        // one id per run: a restarted instance is a new reader of the feed, and its old row ages out
        String instance = ManagementFactory.getRuntimeMXBean().getName() + "-" + UUID.randomUUID();
        return new LuceneIndexes(dataSource, properties, instance);
    }

    @Bean(initMethod = "start", destroyMethod = "close")
    @ConditionalOnProperty(name = "lore.retrieval.lexical.engine", havingValue = "opensearch")
    OpenSearchIndexes openSearchIndexes(DataSource dataSource, LexicalProperties properties, JsonMapper json,
            DenseProperties dense, VectorIndexProperties vectorIndexes) {
        OpenSearchClient client = OpenSearchIndexes.client(properties.opensearch());
        OpenSearchIndexes.Vectors vectors = null;
        if (dense.engine() == DenseProperties.Engine.OPENSEARCH) {
            // whether the cluster serves the k-NN plugin, the indexes ask it themselves, until it answers
            vectors = new OpenSearchIndexes.Vectors(new OpenSearchDenseSearch(client, dense.efSearch()),
                    vectorIndexes.m(), vectorIndexes.efConstruction());
        }
        return new OpenSearchIndexes(dataSource, properties, client, json, vectors);
    }

    @Bean
    @Primary
    LexicalSearch lexicalSearch(LexicalProperties properties, SqlLexicalSearch sql,
            org.springframework.beans.factory.ObjectProvider<LuceneIndexes> lucene,
            org.springframework.beans.factory.ObjectProvider<OpenSearchIndexes> opensearch, JdbcClient jdbc,
            JsonMapper json) {
        LuceneIndexes indexes = lucene.getIfAvailable();
        if (indexes != null) {
            return new LuceneLexicalSearch(indexes, sql, jdbc, json);
        }
        OpenSearchIndexes shared = opensearch.getIfAvailable();
        return shared == null ? sql : new OpenSearchLexicalSearch(shared, sql, jdbc, json);
    }

    @Bean
    @ConditionalOnProperty(name = "lore.retrieval.lexical.engine", havingValue = "sql")
    LexicalFeed lexicalFeed(JdbcClient jdbc, LexicalProperties properties) {
        return new LexicalFeed(jdbc, properties);
    }

    @Bean
    @ConditionalOnProperty(name = "lore.retrieval.lexical.engine", havingValue = "sql")
    LexicalIndexStatus sqlLexicalStatus() {
        return collectionId -> new LexicalIndexStatus.View("sql", null, null, null, null, null);
    }
}
