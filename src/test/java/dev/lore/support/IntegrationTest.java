package dev.lore.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.FileSystemUtils;

import tools.jackson.databind.json.JsonMapper;

/** Full-stack tests: the whole service on a random port over real PostgreSQL + pgvector. */
@ExtendWith(RequiresDatabase.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class IntegrationTest {

    public static final String ADMIN_KEY = "test-admin-key";

    @LocalServerPort
    protected int port;

    @Autowired
    protected JsonMapper json;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabase.Connection connection = TestDatabase.connection();
        if (connection != null) {
            registry.add("spring.datasource.url", connection::url);
            registry.add("spring.datasource.username", connection::user);
            registry.add("spring.datasource.password", connection::password);
        }
        // Spring keeps every test context it made, each with its own pool: pools that keep ten idle connections each
        // ran PostgreSQL out of connection slots (max_connections 100) once the suite had a dozen contexts
        registry.add("spring.datasource.hikari.minimum-idle", () -> "1");
        registry.add("spring.datasource.hikari.idle-timeout", () -> "10000");
        registry.add("lore.security.admin-key", () -> ADMIN_KEY);
        registry.add("lore.documents.max-file-size", () -> "1MB");
        registry.add("lore.documents.poll-interval", () -> "200ms");
        // Spring keeps contexts alive for the whole suite, all on one database: schedulers in them would run other
        // tests' simulation ticks. Tests of schedules start their own instances, with a scheduler, and stop them.
        registry.add("db-scheduler.enabled", () -> "false");
        // each context is an instance of its own: with the Lucene engine (-Dlore.retrieval.lexical.engine=lucene
        // passed to the tests runs the suite on it) Lucene's directories must not be shared, nor left in the home
        Path indexDir = temporaryLexicalIndexDir();
        registry.add("lore.retrieval.lexical.index-dir", indexDir::toString);
        // -Dlore.retrieval.lexical.engine=opensearch runs the suite on the test node: every context is an instance
        // of one deployment, sharing its indexes, under a prefix of this run's own (below)
        if ("opensearch".equals(System.getProperty("lore.retrieval.lexical.engine"))) {
            registry.add("lore.retrieval.lexical.opensearch.urls", () -> String.valueOf(TestOpenSearch.url()));
        }
    }

    static {
        // the suite on OpenSearch: a prefix of this run's own (a node named by LORE_TEST_OPENSEARCH_URL may hold
        // another run's), and dense search there too (the test node has the k-NN plugin), as if passed with -D:
        // system properties, not dynamic ones (a dynamic property of this class would override a test's own), so that
        // a test can give its context a prefix of its own, or another lexical engine and the dense engine postgres
        if ("opensearch".equals(System.getProperty("lore.retrieval.lexical.engine"))) {
            setIfAbsent("lore.retrieval.lexical.opensearch.index-prefix",
                    "lore-suite-" + java.util.UUID.randomUUID().toString().substring(0, 8));
            setIfAbsent("lore.retrieval.lexical.opensearch.replicas", "0");
            setIfAbsent("lore.retrieval.dense.engine", "opensearch");
        }
    }

    private static void setIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    /** A lexical index directory of a test instance's own, deleted when the tests end: never the user's home. */
    public static Path temporaryLexicalIndexDir() {
        try {
            Path dir = Files.createTempDirectory("lore-test-lexical-index");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    FileSystemUtils.deleteRecursively(dir);
                }
                catch (IOException e) {
                    // a temporary directory: the system's cleanup takes it
                }
            }));
            return dir;
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Creates a collection holding leave.md (vacation days) and laptops.md, both ingested. */
    protected void createLeaveAndLaptops(String collection) {
        admin().post("/api/v1/collections", Map.of("name", collection));
        assertThat(admin().ingest(collection,
                Api.Part.file("leave.md", "# Leave\n\nStaff earn vacation days.\n"),
                Api.Part.file("laptops.md", "# Laptops\n\nIT hands out laptops.\n")).path("status").asString())
                .isEqualTo("DONE");
    }

    protected Api admin() {
        return new Api(port, ADMIN_KEY, json);
    }

    protected Api as(String key) {
        return new Api(port, key, json);
    }
}
