package dev.lore.support;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The PostgreSQL + pgvector the integration tests run against: the one named by {@code LORE_TEST_DB_URL}
 * ({@code ./lore test} sets it to the local server), else a Testcontainers pgvector container when Docker runs,
 * else none, and the tests that need it are skipped with the reason.
 */
public final class TestDatabase {

    public record Connection(String url, String user, String password) {
    }

    private static Connection connection;
    private static boolean resolved;

    private TestDatabase() {
    }

    public static synchronized Connection connection() {
        if (!resolved) {
            resolved = true;
            connection = resolve();
        }
        return connection;
    }

    private static Connection resolve() {
        String url = System.getenv("LORE_TEST_DB_URL");
        if (url != null && !url.isBlank()) {
            return new Connection(url, env("LORE_TEST_DB_USER", "lore"), env("LORE_TEST_DB_PASSWORD", "lore"));
        }
        if (!dockerAvailable()) {
            return null;
        }
        PostgreSQLContainer postgres = new PostgreSQLContainer(
                DockerImageName.parse("pgvector/pgvector:pg17").asCompatibleSubstituteFor("postgres"));
        postgres.start();
        return new Connection(postgres.getJdbcUrl(), postgres.getUsername(), postgres.getPassword());
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        }
        catch (RuntimeException e) {
            return false;
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
