package dev.lore.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

import dev.lore.support.RequiresDatabase;
import dev.lore.support.TestDatabase;

/**
 * Claims against real PostgreSQL, on a table of their own: two owners stand for two instances, and a claim lapses
 * by moving its heartbeat an hour back rather than by waiting.
 */
@ExtendWith(RequiresDatabase.class)
class ClaimsTests {

    private static DataSource dataSource;
    private static JdbcClient jdbc;

    private final Claims first = claims();
    private final Claims second = claims();
    private long row;

    @BeforeAll
    static void table() {
        TestDatabase.Connection connection = TestDatabase.connection();
        dataSource = new DriverManagerDataSource(connection.url(), connection.user(), connection.password());
        jdbc = JdbcClient.create(dataSource);
        jdbc.sql("""
                CREATE TABLE IF NOT EXISTS claims_tests (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, status text NOT NULL, claim_token uuid,
                    heartbeat_at timestamptz, attempts int NOT NULL DEFAULT 0, note text)""").update();
    }

    @AfterAll
    static void dropTable() {
        jdbc.sql("DROP TABLE claims_tests").update();
    }

    @BeforeEach
    void oneQueuedRow() {
        jdbc.sql("DELETE FROM claims_tests").update();
        row = jdbc.sql("INSERT INTO claims_tests (status) VALUES ('QUEUED') RETURNING id").query(Long.class).single();
    }

    @Test
    void aLiveClaimKeepsTheRowFromAnotherOwnerEvenWhileItIsBeingTaken() throws Exception {
        UUID token = UUID.randomUUID();
        new TransactionTemplate(new DataSourceTransactionManager(dataSource)).executeWithoutResult(tx -> {
            assertThat(claim(first, token)).contains(row);
            assertThat(CompletableFuture.supplyAsync(() -> claim(second, UUID.randomUUID())).join())
                    .as("the row is locked by the claiming transaction: skipped, not waited for").isEmpty();
        });
        assertThat(claim(second, UUID.randomUUID())).as("claimed, and its heartbeat is fresh").isEmpty();
        assertThat(holder()).isEqualTo(token);
    }

    @Test
    void aHeartbeatKeepsAClaimThatWouldOtherwiseLapse() {
        UUID token = claimed(first);
        lapse();
        assertThat(first.beat(List.of(token))).as("nothing lost").isEmpty();
        assertThat(claim(second, UUID.randomUUID())).isEmpty();
        assertThat(holder()).isEqualTo(token);
    }

    @Test
    void aHeartbeatSkipsARowThatATransactionHoldsInsteadOfWaitingForIt() throws Exception {
        UUID token = claimed(first);
        lapse();
        try (Connection writing = dataSource.getConnection()) {
            writing.setAutoCommit(false);
            try (var lock = writing.prepareStatement("SELECT 1 FROM claims_tests WHERE id = ? FOR UPDATE")) {
                lock.setLong(1, row);
                lock.executeQuery().close();
            }
            Set<UUID> lost = CompletableFuture.supplyAsync(() -> first.beat(List.of(token))).get(10, TimeUnit.SECONDS);
            assertThat(lost).as("a locked row is still held").isEmpty();
            writing.rollback();
        }
    }

    @Test
    void aLapsedClaimIsTakenOverAndItsFormerHolderLearnsThatItLostIt() {
        UUID lapsed = claimed(first);
        lapse();
        UUID taker = UUID.randomUUID();
        assertThat(claim(second, taker)).contains(row);
        assertThat(holder()).isEqualTo(taker);
        assertThat(jdbc.sql("SELECT attempts FROM claims_tests").query(Integer.class).single()).isEqualTo(2);
        assertThat(first.beat(List.of(lapsed))).containsExactly(lapsed);
        assertThat(second.beat(List.of(taker))).isEmpty();
    }

    @Test
    void theFormerHoldersWritesChangeNothingOnceTheRowWasTakenOver() {
        UUID lapsed = claimed(first);
        lapse();
        UUID taker = UUID.randomUUID();
        claim(second, taker);

        assertThat(first.write(lapsed, row, "note = :note", sql -> sql.param("note", "late"))).isFalse();
        assertThat(first.finish(lapsed, row, "status = 'DONE'", sql -> sql)).isFalse();
        assertThat(first.release(lapsed)).isZero();
        assertThat(jdbc.sql("SELECT status || ':' || coalesce(note, '-') FROM claims_tests").query(String.class)
                .single()).isEqualTo("RUNNING:-");
        assertThat(holder()).isEqualTo(taker);

        assertThat(second.write(taker, row, "note = :note", sql -> sql.param("note", "mine"))).isTrue();
        assertThat(second.finish(taker, row, "status = 'DONE'", sql -> sql)).isTrue();
        assertThat(jdbc.sql("SELECT status || ':' || note FROM claims_tests").query(String.class).single())
                .isEqualTo("DONE:mine");
        assertThat(holder()).isNull();
    }

    @Test
    void aReleasedRowIsFreeToTakeAtOnceAndTheAttemptDoesNotCount() {
        UUID token = claimed(first);
        assertThat(first.release(token)).isEqualTo(1);
        assertThat(claim(second, UUID.randomUUID())).contains(row);
        assertThat(jdbc.sql("SELECT attempts FROM claims_tests").query(Integer.class).single()).isEqualTo(1);
    }

    private static Claims claims() {
        return new Claims(jdbc, "claims_tests", "claim_token", "heartbeat_at", "status = 'RUNNING'",
                "status = 'QUEUED', attempts = greatest(attempts - 1, 0)", Duration.ofSeconds(10));
    }

    /** Takes a queued row, or a claimed one whose claim lapsed, as the workers do. */
    private static Optional<Long> claim(Claims claims, UUID token) {
        return jdbc.sql("""
                UPDATE claims_tests SET status = 'RUNNING', %s, attempts = attempts + 1
                WHERE id = (SELECT id FROM claims_tests WHERE status = 'QUEUED' OR %s
                            ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING id""".formatted(claims.take(), claims.lapsed()))
                .param("token", token).query(Long.class).optional();
    }

    private UUID claimed(Claims claims) {
        UUID token = UUID.randomUUID();
        assertThat(claim(claims, token)).contains(row);
        return token;
    }

    /** The holder stops beating for an hour, as if its instance died. */
    private void lapse() {
        jdbc.sql("UPDATE claims_tests SET heartbeat_at = now() - interval '1 hour'").update();
    }

    private UUID holder() {
        return jdbc.sql("SELECT claim_token FROM claims_tests").query(UUID.class).list().get(0);
    }
}
