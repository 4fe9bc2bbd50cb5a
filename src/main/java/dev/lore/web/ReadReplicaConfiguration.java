package dev.lore.web;

import java.sql.SQLException;

import javax.sql.DataSource;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * The {@link ReadReplica}: the primary itself without {@code lore.datasource.read.url}, else a pool on the replica
 * that falls back to the primary. The replica's pool is not a {@code DataSource} bean, which would turn Spring Boot's
 * own primary data source (and its {@code JdbcClient}) off.
 */
@Configuration(proxyBeanMethods = false)
class ReadReplicaConfiguration {

    @Bean
    ReadReplica readReplica(ReadReplicaProperties properties, DataSource dataSource, JdbcClient jdbc,
            TransactionTemplate transactions, MeterRegistry meters) throws SQLException {
        if (!properties.enabled()) {
            return new ReadReplica(jdbc, transactions, false, () -> {
            });
        }
        HikariDataSource replica = new HikariDataSource(replicaConfig(properties, dataSource));
        ReplicaFallbackDataSource reads = new ReplicaFallbackDataSource(dataSource, replica, properties, meters);
        return new ReadReplica(JdbcClient.create(new ReplicaReads.Template(reads)), new ReplicaReads.Transactions(reads),
                true, reads::close);
    }

    private static HikariConfig replicaConfig(ReadReplicaProperties properties,
            DataSource dataSource) throws SQLException {
        HikariConfig config = new HikariConfig();
        // the primary's per-connection settings (hnsw.iterative_scan, ef_search, jit) and driver bounds apply to
        // searches on the replica alike
        if (dataSource.isWrapperFor(HikariDataSource.class)) {
            HikariDataSource primary = dataSource.unwrap(HikariDataSource.class);
            config.setConnectionInitSql(primary.getConnectionInitSql());
            config.setDataSourceProperties(primary.getDataSourceProperties());
            config.setValidationTimeout(primary.getValidationTimeout());
        }
        config.setPoolName("lore-read-replica");
        config.setJdbcUrl(properties.url());
        config.setUsername(properties.username());
        config.setPassword(properties.password());
        config.setMaximumPoolSize(properties.maximumPoolSize());
        config.setConnectionTimeout(properties.connectionTimeout().toMillis());
        config.setReadOnly(true);
        // a replica that is down at start-up must not keep Lore from starting: its reads go to the primary
        config.setInitializationFailTimeout(-1);
        return config;
    }
}
