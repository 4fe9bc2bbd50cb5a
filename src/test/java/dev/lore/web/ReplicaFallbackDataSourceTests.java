package dev.lore.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import dev.lore.support.RequiresDatabase;
import dev.lore.support.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Where reads run when the replica cannot serve them, without a real replica: one that is down, and one that has not
 * replayed the primary's position (the primary itself posing as the replica: it replays nothing, so it is never
 * caught up).
 */
@ExtendWith(RequiresDatabase.class)
class ReplicaFallbackDataSourceTests {

    private DriverManagerDataSource primary;
    private HikariDataSource replica;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @BeforeEach
    void primary() {
        TestDatabase.Connection connection = TestDatabase.connection();
        primary = new DriverManagerDataSource(connection.url(), connection.user(), connection.password());
    }

    @AfterEach
    void close() {
        if (replica != null) {
            replica.close();
        }
    }

    @Test
    void aReplicaThatIsDownSendsReadsToThePrimaryAndIsLeftAloneForAWhile() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        replica = pool("jdbc:postgresql://127.0.0.1:" + closedPort + "/lore");
        JdbcClient reads = JdbcClient.create(new ReplicaFallbackDataSource(primary, replica,
                properties(true, Duration.ofHours(1)), meters));

        assertThat(reads.sql("SELECT pg_is_in_recovery()").query(Boolean.class).single()).isFalse();
        assertThat(reads.sql("SELECT 41 + 1").query(Integer.class).single()).isEqualTo(42);
        assertThat(count("primary", "replica-unavailable")).isEqualTo(2);
        // nothing was ever opened on the replica, and the second read did not wait for it
        assertThat(replica.getHikariPoolMXBean().getTotalConnections()).isZero();
        assertThat(count("replica", "none")).isZero();
    }

    @Test
    void aReplicaBehindThePrimarysPositionSendsReadsToThePrimaryUnlessLagIsAccepted() {
        TestDatabase.Connection connection = TestDatabase.connection();
        replica = pool(connection.url());
        JdbcClient reads = JdbcClient.create(new ReplicaFallbackDataSource(primary, replica,
                properties(true, Duration.ofSeconds(5)), meters));
        assertThat(reads.sql("SELECT 1").query(Integer.class).single()).isEqualTo(1);
        assertThat(count("primary", "replica-behind")).isEqualTo(1);
        assertThat(count("replica", "none")).isZero();

        JdbcClient eventual = JdbcClient.create(new ReplicaFallbackDataSource(primary, replica,
                properties(false, Duration.ofSeconds(5)), meters));
        assertThat(eventual.sql("SELECT 1").query(Integer.class).single()).isEqualTo(1);
        assertThat(count("replica", "none")).isEqualTo(1);
    }

    @Test
    void aReplicaServesReadsWhileThePrimaryIsUnreachable() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        TestDatabase.Connection connection = TestDatabase.connection();
        DriverManagerDataSource downPrimary = new DriverManagerDataSource("jdbc:postgresql://127.0.0.1:" + closedPort
                + "/lore?connectTimeout=1", connection.user(), connection.password());
        replica = pool(connection.url());
        JdbcClient reads = JdbcClient.create(new ReplicaFallbackDataSource(downPrimary, replica,
                properties(true, Duration.ofSeconds(5)), meters));
        assertThat(reads.sql("SELECT 1").query(Integer.class).single()).isEqualTo(1);
        assertThat(count("replica", "none")).isEqualTo(1);
    }

    private static ReadReplicaProperties properties(boolean readYourWrites, Duration retryAfter) {
        return new ReadReplicaProperties("unused", null, null, 2, Duration.ofMillis(250), retryAfter, readYourWrites,
                Duration.ZERO);
    }

    private HikariDataSource pool(String url) {
        TestDatabase.Connection connection = TestDatabase.connection();
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(connection.user());
        config.setPassword(connection.password());
        config.setMaximumPoolSize(2);
        config.setMinimumIdle(0);
        config.setConnectionTimeout(250);
        config.setInitializationFailTimeout(-1);
        return new HikariDataSource(config);
    }

    private double count(String servedBy, String reason) {
        var counter = meters.find("lore.datasource.read").tag("served-by", servedBy).tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }
}
