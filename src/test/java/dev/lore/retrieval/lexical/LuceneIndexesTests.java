package dev.lore.retrieval.lexical;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.FilterDirectory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexOutput;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.FileSystemUtils;

import dev.lore.documents.LexicalIndexStatus;
import dev.lore.retrieval.SearchFilter;
import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;

/**
 * Lucene indexes kept from PostgreSQL through the change feed, run as separate instances (each its own directory)
 * beside the service (whose own lexical engine is Lucene unless the suite runs on SQL): every chunk is written by the
 * service's ingestion or by SQL behind its back, and each instance applies the feed only when a test calls
 * {@link LuceneIndexes#catchUp()}.
 */
class LuceneIndexesTests extends IntegrationTest {

    /** The service's own engine settings (Lucene unless the suite runs on SQL). */
    @Autowired
    LexicalProperties serviceLexical;

    @Autowired
    DataSource dataSource;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    SqlLexicalSearch sql;

    @TempDir
    Path dirs;

    private final List<LuceneIndexes> opened = new ArrayList<>();

    @AfterEach
    void closeInstances() {
        opened.forEach(LuceneIndexes::close);
    }

    @Test
    void luceneRanksTheSmallCorpusAsSqlDoes() {
        long collection = corpus("lexical-parity");
        LuceneIndexes lucene = instance("parity");
        lucene.catchUp();
        for (String query : List.of("vacation days employees", "broken laptop computers", "train tickets agency",
                "annual leave years of service", "employees laptops travel")) {
            List<LexicalHit> expected = sql.search(collection, query, SearchFilter.NONE, 10);
            List<UUID> actual = ids(lucene.search(collection, query, List.of(), null, 3).orElseThrow());
            assertThat(expected).as(query).isNotEmpty();
            assertThat(actual).as(query).hasSize(Math.min(3, expected.size()));
            assertThat(actual.get(0)).as(query).isEqualTo(expected.get(0).chunkId());
            // Lucene keeps a chunk's length in one byte, so chunks whose BM25 scores are within a few percent of
            // each other may swap places; every place holds a chunk that SQL scores as that place's
            Map<UUID, Double> sqlScores = new java.util.HashMap<>();
            expected.forEach(hit -> sqlScores.put(hit.chunkId(), hit.score()));
            for (int i = 0; i < actual.size(); i++) {
                assertThat(sqlScores.get(actual.get(i))).as(query + " #" + (i + 1))
                        .isCloseTo(expected.get(i).score(), org.assertj.core.data.Percentage.withPercentage(5));
            }
        }
        // a source filter keeps only that source's chunks, and the words still have to match
        List<LexicalHit> filtered = lucene.search(collection, "vacation days", List.of("travel.md"), null, 10)
                .orElseThrow();
        assertThat(filtered).isEmpty();
        assertThat(lucene.search(collection, "vacation days", List.of("leave.md"), null, 10).orElseThrow())
                .hasSize(1);
    }

    @Test
    void appliesInsertsUpdatesDeletesAndRechunkingFromTheFeed() {
        long collection = corpus("lexical-feed");
        LuceneIndexes lucene = instance("feed");
        LexicalSearch search = new LuceneLexicalSearch(lucene, sql, jdbc, json);
        lucene.catchUp();
        UUID laptops = document(collection, "laptops.md");

        // rewritten behind Lore's back: the index does not answer until it has applied the change, SQL does
        UUID chunk = jdbc.sql("SELECT id FROM chunks WHERE document_id = :d LIMIT 1").param("d", laptops)
                .query(UUID.class).single();
        jdbc.sql("UPDATE chunks SET text = 'Zebra crossings are painted white' WHERE id = :id").param("id", chunk)
                .update();
        assertThat(lucene.search(collection, "zebra", List.of(), null, 5)).isEmpty();
        assertThat(ids(search.search(collection, "zebra", SearchFilter.NONE, 5))).containsExactly(chunk);
        lucene.catchUp();
        assertThat(ids(lucene.search(collection, "zebra", List.of(), null, 5).orElseThrow())).containsExactly(chunk);
        assertThat(lucene.search(collection, "broken computers", List.of(), null, 5).orElseThrow())
                .extracting(LexicalHit::chunkId).doesNotContain(chunk);

        // a new vector alone writes nothing to the feed
        long before = feedRows(collection);
        jdbc.sql("UPDATE chunks SET embedding = embedding WHERE collection_id = :c").param("c", collection).update();
        assertThat(feedRows(collection)).isEqualTo(before);

        // rechunked: the document's chunks replaced by new ones in one transaction
        UUID newChunk = UUID.randomUUID();
        jdbc.sql("""
                WITH old AS (DELETE FROM chunks WHERE document_id = :d RETURNING *)
                INSERT INTO chunks (id, document_id, collection_id, ordinal, source, title, heading_path, text, embedding)
                SELECT :id, document_id, collection_id, 0, source, title, '', 'Quokkas guard the laptop cupboard',
                       embedding FROM old LIMIT 1""").param("d", laptops).param("id", newChunk).update();
        lucene.catchUp();
        assertThat(ids(lucene.search(collection, "quokkas", List.of(), null, 5).orElseThrow()))
                .containsExactly(newChunk);
        assertThat(lucene.search(collection, "zebra", List.of(), null, 5).orElseThrow()).isEmpty();

        // deleted through the API: gone at once (SQL answers until the index applied it), and from the index after
        admin().delete("/api/v1/collections/lexical-feed/documents/" + laptops);
        assertThat(search.search(collection, "quokkas", SearchFilter.NONE, 5)).isEmpty();
        assertThat(lucene.search(collection, "quokkas", List.of(), null, 5)).isEmpty();
        lucene.catchUp();
        assertThat(lucene.search(collection, "quokkas", List.of(), null, 5).orElseThrow()).isEmpty();
        assertThat(lucene.search(collection, "vacation", List.of(), null, 5).orElseThrow()).isNotEmpty();
    }

    @Test
    void aTransactionCommittedAfterALaterOneIsNeitherMissedNorServedEarly() throws Exception {
        long slowCollection = corpus("lexical-order-slow");
        long fastCollection = corpus("lexical-order-fast");
        LuceneIndexes lucene = instance("order");
        lucene.catchUp();
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        try (Connection slow = dataSource.getConnection()) {
            slow.setAutoCommit(false);
            // the slow transaction writes first, so its feed row has the lower id, and commits last (two
            // collections: a chunk insert locks its collection's row for the statistics)
            insertChunk(JdbcClient.create(new org.springframework.jdbc.datasource.SingleConnectionDataSource(slow,
                    true)), document(slowCollection, "leave.md"), first, "Wombats dig burrows");
            insertChunk(jdbc, document(fastCollection, "leave.md"), second, "Platypuses lay eggs");
            lucene.catchUp();
            // the committed one is applied; the position stays below the one in flight
            assertThat(ids(lucene.search(fastCollection, "platypuses", List.of(), null, 5).orElseThrow()))
                    .containsExactly(second);
            slow.commit();
        }
        // committed now, with a feed row id below the one applied: the index does not answer until it has it
        assertThat(lucene.search(slowCollection, "wombats", List.of(), null, 5)).isEmpty();
        assertThat(ids(new LuceneLexicalSearch(lucene, sql, jdbc, json).search(slowCollection, "wombats",
                SearchFilter.NONE, 5))).containsExactly(first);
        lucene.catchUp();
        assertThat(ids(lucene.search(slowCollection, "wombats", List.of(), null, 5).orElseThrow()))
                .containsExactly(first);
        assertThat(ids(lucene.search(fastCollection, "platypuses", List.of(), null, 5).orElseThrow()))
                .containsExactly(second);
    }

    @Test
    void rebuildsFromChunksAfterAPrunedFeedACorruptIndexOrAnotherLayout() throws Exception {
        long collection = corpus("lexical-rebuild");
        Path dir = dirs.resolve("rebuild");
        LuceneIndexes lucene = instance(dir, "rebuild-1");
        lucene.catchUp();
        lucene.close();

        // written while the instance was down, and the feed pruned past it: its position is below the floor
        UUID leave = document(collection, "leave.md");
        UUID bulk = UUID.randomUUID();
        insertChunk(jdbc, leave, bulk, "Capybaras enjoy hot springs");
        raiseFloorToNow();
        LuceneIndexes restarted = instance(dir, "rebuild-2");
        restarted.catchUp();
        assertThat(ids(restarted.search(collection, "capybaras", List.of(), null, 5).orElseThrow()))
                .containsExactly(bulk);
        assertThat(restarted.of(collection).indexedChunks()).isEqualTo(chunks(collection));
        restarted.close();

        // a damaged segments file: rebuilt from PostgreSQL, not served
        try (Stream<Path> files = Files.list(dir.resolve("c" + collection))) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith("segments_")).toList()) {
                Files.write(file, new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 });
            }
        }
        LuceneIndexes repaired = instance(dir, "rebuild-3");
        repaired.catchUp();
        assertThat(ids(repaired.search(collection, "capybaras", List.of(), null, 5).orElseThrow()))
                .containsExactly(bulk);
        assertThat(repaired.of(collection).state()).isEqualTo("ready");
    }

    @Test
    void aRebuildLeavesTheOldIndexAnsweringUntilTheNewOneIsSwappedIn() throws Exception {
        long collection = corpus("lexical-swap");
        Path dir = dirs.resolve("swap");
        LuceneIndexes earlier = instance(dir, "swap-1");
        earlier.catchUp();
        earlier.close();
        // the index as another version of Lore wrote it: caught up, but of another layout, so it is rebuilt
        relabel(dir.resolve("c" + collection), "lore-lexical-0");

        LuceneIndexes lucene = instance(dir, "swap-2");
        UUID late = UUID.randomUUID();
        Set<UUID> expected = Set.copyOf(ids(sql.search(collection, "vacation days", SearchFilter.NONE, 10)));
        List<Optional<List<LexicalHit>>> during = new ArrayList<>();
        List<String> statesDuring = new ArrayList<>();
        lucene.beforeSwap = id -> {
            assertThat(dir.resolve("c" + collection + ".next")).isDirectory();
            statesDuring.add(lucene.of(collection).state());
            during.add(lucene.search(collection, "vacation days", List.of(), null, 10));
            // written after the rebuild's snapshot: applied from the feed once the new index is in place
            insertChunk(jdbc, document(collection, "leave.md"), late, "Meerkats stand guard");
        };
        lucene.catchUp();

        assertThat(statesDuring).containsExactly("building");
        assertThat(during).singleElement().satisfies(hits -> assertThat(Set.copyOf(ids(hits.orElseThrow())))
                .as("the old index answered").isEqualTo(expected));
        assertThat(dir.resolve("c" + collection + ".next")).doesNotExist();
        assertThat(dir.resolve("c" + collection + ".old")).doesNotExist();
        // swapped in at the snapshot's position: the later chunk is a change it has yet to apply, so SQL answers
        assertThat(lucene.search(collection, "meerkats", List.of(), null, 5)).isEmpty();
        lucene.catchUp();
        assertThat(ids(lucene.search(collection, "meerkats", List.of(), null, 5).orElseThrow())).containsExactly(late);
        assertThat(Set.copyOf(ids(lucene.search(collection, "vacation days", List.of(), null, 10).orElseThrow())))
                .isEqualTo(expected);
        assertThat(lucene.of(collection).state()).isEqualTo("ready");
        assertThat(lucene.of(collection).indexedChunks()).isEqualTo(chunks(collection));
        lucene.close();
        try (FSDirectory index = FSDirectory.open(dir.resolve("c" + collection))) {
            assertThat(SegmentInfos.readLatestCommit(index).getUserData()).containsEntry("layout", LuceneIndexes.LAYOUT);
        }
    }

    @Test
    void aRebuildOrSwapCutShortByACrashIsCleanedUpAtStart() throws Exception {
        long collection = corpus("lexical-crashed-rebuild");
        Path dir = dirs.resolve("crashed-rebuild");
        LuceneIndexes earlier = instance(dir, "crashed-rebuild-1");
        earlier.catchUp();
        earlier.close();
        // killed mid-swap: the index moved aside, a half-written new one beside it
        Path index = dir.resolve("c" + collection);
        Files.move(index, dir.resolve("c" + collection + ".old"));
        Files.createDirectories(dir.resolve("c" + collection + ".next"));
        Files.write(dir.resolve("c" + collection + ".next").resolve("_0.cfs"), new byte[] { 1, 2, 3 });

        LuceneIndexes restarted = instance(dir, "crashed-rebuild-2");
        restarted.catchUp();
        assertThat(dir.resolve("c" + collection + ".next")).doesNotExist();
        assertThat(dir.resolve("c" + collection + ".old")).doesNotExist();
        assertThat(restarted.of(collection).state()).isEqualTo("ready");
        assertThat(restarted.of(collection).indexedChunks()).isEqualTo(chunks(collection));
        assertThat(restarted.search(collection, "vacation days", List.of(), null, 5).orElseThrow()).isNotEmpty();
    }

    @Test
    void anInstanceKilledWhileApplyingTheFeedStartsAgainFromItsLastCommit() throws Exception {
        long collection = corpus("lexical-killed");
        Path dir = dirs.resolve("killed");
        LuceneIndexes lucene = instance(dir, "killed-1");
        lucene.catchUp();
        UUID laptops = document(collection, "laptops.md");
        List<UUID> laptopChunks = jdbc.sql("SELECT id FROM chunks WHERE document_id = :d").param("d", laptops)
                .query(UUID.class).list();
        assertThat(ids(lucene.search(collection, "broken computers", List.of(), null, 10).orElseThrow()))
                .containsAnyElementsOf(laptopChunks);
        UUID added = UUID.randomUUID();
        insertChunk(jdbc, document(collection, "leave.md"), added, "Ocelots hunt at night");
        admin().delete("/api/v1/collections/lexical-killed/documents/" + laptops);

        // the disk as kill -9 leaves it mid-apply: the changes written to new segment files, not committed
        Path killed = dirs.resolve("killed-copy");
        lucene.beforeCommit = (id, writer) -> {
            try {
                writer.flush();
                FileSystemUtils.copyRecursively(dir, killed);
            }
            catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        lucene.catchUp();
        lucene.close();
        Path copy = killed.resolve("c" + collection);
        try (Stream<Path> files = Files.list(copy)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .as("segments written after the last commit").anyMatch(name -> name.startsWith("_"));
        }
        Files.deleteIfExists(copy.resolve("write.lock"));

        LuceneIndexes restarted = instance(killed, "killed-2");
        List<Long> rebuilt = new ArrayList<>();
        restarted.beforeSwap = rebuilt::add;
        restarted.catchUp();
        assertThat(rebuilt).as("applied from the feed, not rebuilt").isEmpty();
        assertThat(ids(restarted.search(collection, "ocelots", List.of(), null, 5).orElseThrow()))
                .containsExactly(added);
        assertThat(ids(restarted.search(collection, "broken computers laptop", List.of(), null, 10).orElseThrow()))
                .as("the deleted document's chunks").doesNotContainAnyElementsOf(laptopChunks).isNotEmpty();
        assertThat(restarted.of(collection).indexedChunks()).isEqualTo(chunks(collection));
    }

    @Test
    void instancesGivenTheSameDirectoryEachClaimOneOfTheirOwn() {
        long collection = corpus("lexical-shared-dir");
        Path dir = dirs.resolve("shared");
        LuceneIndexes first = instance(dir, "first");
        LuceneIndexes second = instance(dir, "second");
        assertThat(first.root()).isEqualTo(dir);
        assertThat(second.root()).isEqualTo(dirs.resolve("shared-2"));
        first.catchUp();
        second.catchUp();
        for (LuceneIndexes instance : List.of(first, second)) {
            assertThat(instance.of(collection).state()).isEqualTo("ready");
            assertThat(instance.search(collection, "vacation days", List.of(), null, 5).orElseThrow()).isNotEmpty();
        }
        assertThat(dirs.resolve("shared-2").resolve("c" + collection)).isDirectory();
        // a closed (or dead) instance's directory is free again: the next one takes it, index and all
        second.close();
        LuceneIndexes third = instance(dir, "third");
        assertThat(third.root()).isEqualTo(dirs.resolve("shared-2"));
        List<Long> rebuilt = new ArrayList<>();
        third.beforeSwap = rebuilt::add;
        third.catchUp();
        assertThat(rebuilt).as("the index left there is current: opened, not rebuilt").isEmpty();
        assertThat(third.of(collection).state()).isEqualTo("ready");
    }

    @Test
    void anUnwritableDirectoryFailsOverToSql() throws Exception {
        long collection = corpus("lexical-unwritable");
        Path notADirectory = dirs.resolve("occupied");
        Files.writeString(notADirectory, "a file where the index directory should be");
        LuceneIndexes lucene = instance(notADirectory, "unwritable");
        lucene.catchUp();
        LexicalIndexStatus.View view = lucene.of(collection);
        assertThat(view.state()).isEqualTo("failed");
        assertThat(view.error()).isNotBlank();
        assertThat(lucene.search(collection, "vacation", List.of(), null, 5)).isEmpty();
        assertThat(ids(new LuceneLexicalSearch(lucene, sql, jdbc, json).search(collection, "vacation days",
                SearchFilter.NONE, 5))).isEqualTo(ids(sql.search(collection, "vacation days", SearchFilter.NONE, 5)));
    }

    @Test
    void aFullDiskFailsTheIndexOverToSqlAndItRecoversOnceWritesSucceed() {
        long collection = corpus("lexical-full");
        LuceneIndexes lucene = instance("full");
        java.util.concurrent.atomic.AtomicBoolean full = new java.util.concurrent.atomic.AtomicBoolean();
        lucene.directories = directory -> new FilterDirectory(directory) {
            @Override
            public IndexOutput createOutput(String name, IOContext context) throws java.io.IOException {
                if (full.get()) {
                    throw new java.io.IOException("No space left on device");
                }
                return super.createOutput(name, context);
            }

            @Override
            public IndexOutput createTempOutput(String prefix, String suffix, IOContext context)
                    throws java.io.IOException {
                if (full.get()) {
                    throw new java.io.IOException("No space left on device");
                }
                return super.createTempOutput(prefix, suffix, context);
            }
        };
        lucene.retryAfter = Duration.ZERO;
        lucene.catchUp();
        LexicalSearch search = new LuceneLexicalSearch(lucene, sql, jdbc, json);

        full.set(true);
        UUID lemurs = UUID.randomUUID();
        insertChunk(jdbc, document(collection, "leave.md"), lemurs, "Lemurs sunbathe at dawn");
        lucene.catchUp();
        LexicalIndexStatus.View failed = lucene.of(collection);
        assertThat(failed.state()).isEqualTo("failed");
        assertThat(failed.error()).contains("No space left on device");
        assertThat(lucene.search(collection, "lemurs", List.of(), null, 5)).isEmpty();
        assertThat(ids(search.search(collection, "lemurs", SearchFilter.NONE, 5))).containsExactly(lemurs);
        // still full at the retry: still failed, still served by SQL
        lucene.catchUp();
        assertThat(lucene.of(collection).state()).isEqualTo("failed");

        full.set(false);
        lucene.catchUp();
        assertThat(lucene.of(collection).state()).isEqualTo("ready");
        assertThat(ids(lucene.search(collection, "lemurs", List.of(), null, 5).orElseThrow())).containsExactly(lemurs);
        assertThat(lucene.of(collection).indexedChunks()).isEqualTo(chunks(collection));
    }

    @Test
    void postgresqlGoneWhileCatchingUpFailsThePassAndTheIndexCatchesUpOnceItIsBack() throws Exception {
        long collection = corpus("lexical-outage");
        dev.lore.support.TestDatabase.Connection db = dev.lore.support.TestDatabase.connection();
        try (dev.lore.support.TcpProxy proxy = dev.lore.support.TcpProxy.forJdbcUrl(db.url())) {
            String url = proxy.jdbcUrlFor(db.url());
            // a connection per statement, and timeouts: a cut proxy leaves new connections unanswered
            DataSource through = new org.springframework.jdbc.datasource.DriverManagerDataSource(
                    url + (url.contains("?") ? "&" : "?") + "connectTimeout=2&socketTimeout=5", db.user(),
                    db.password());
            LuceneIndexes lucene = instance(through, dirs.resolve("outage"), "outage");
            lucene.catchUp();
            UUID axolotls = UUID.randomUUID();
            insertChunk(jdbc, document(collection, "leave.md"), axolotls, "Axolotls regrow their limbs");
            proxy.cut();
            org.assertj.core.api.Assertions.assertThatThrownBy(lucene::catchUp)
                    .isInstanceOf(org.springframework.dao.DataAccessException.class);
            proxy.restore();
            lucene.catchUp();
            assertThat(ids(lucene.search(collection, "axolotls", List.of(), null, 5).orElseThrow()))
                    .containsExactly(axolotls);
            assertThat(lucene.of(collection).state()).isEqualTo("ready");
        }
    }

    @Test
    void twoInstancesFindADocumentOnceItReadsDoneAndLoseItOnceDeleted() {
        admin().post("/api/v1/collections", Map.of("name", "lexical-two"));
        long collection = collectionId("lexical-two");
        LuceneIndexes one = instance("one");
        LuceneIndexes two = instance("two");
        one.catchUp();
        two.catchUp();
        List<LexicalSearch> instances = List.of(new LuceneLexicalSearch(one, sql, jdbc, json),
                new LuceneLexicalSearch(two, sql, jdbc, json));

        assertThat(admin().ingest("lexical-two", Part.file("otters.md", "# Otters\n\nSea otters hold hands.\n"))
                .path("status").asString()).isEqualTo("DONE");
        for (LexicalSearch instance : instances) {
            assertThat(instance.search(collection, "otters", SearchFilter.NONE, 5)).hasSize(1);
        }
        // instance one catches up first: it answers from its index, two still from SQL, the same chunk
        one.catchUp();
        assertThat(one.search(collection, "otters", List.of(), null, 5)).isPresent();
        assertThat(ids(instances.get(0).search(collection, "otters", SearchFilter.NONE, 5)))
                .isEqualTo(ids(instances.get(1).search(collection, "otters", SearchFilter.NONE, 5)));

        UUID otters = document(collection, "otters.md");
        assertThat(admin().delete("/api/v1/collections/lexical-two/documents/" + otters).status()).isEqualTo(204);
        for (LexicalSearch instance : instances) {
            assertThat(instance.search(collection, "otters", SearchFilter.NONE, 5)).isEmpty();
        }
        one.catchUp();
        two.catchUp();
        assertThat(one.search(collection, "otters", List.of(), null, 5)).contains(List.of());
        assertThat(two.search(collection, "otters", List.of(), null, 5)).contains(List.of());
    }

    @Test
    void theFeedIsPrunedBelowEveryLiveInstance() {
        long collection = corpus("lexical-prune");
        LuceneIndexes one = instance("prune-1");
        LuceneIndexes two = instance("prune-2");
        assertPrunedOnceAppliedBy(collection, one, two);
        insertChunk(jdbc, document(collection, "leave.md"), UUID.randomUUID(), "Pangolins curl up");
        one.catchUp();
        long pending = feedRows(collection);
        assertThat(pending).isPositive();
        // a live instance that has not applied the rows keeps them
        pruneWithOnlyLive("prune-1", "prune-2");
        assertThat(feedRows(collection)).isEqualTo(pending);
        // once it has, they go
        assertPrunedOnceAppliedBy(collection, one, two);
        assertThat(two.search(collection, "pangolins", List.of(), null, 5).orElseThrow()).hasSize(1);
    }

    @Test
    void withNoInstanceApplyingTheFeedItIsPrunedAndTheFloorRises() {
        long collection = corpus("lexical-unread");
        assertThat(feedRows(collection)).isPositive();
        long newest = jdbc.sql("SELECT max(xid) FROM lexical_changes WHERE collection_id = :c").param("c", collection)
                .query(Long.class).single();
        // an instance timeout of zero: no instance counts as live, and rows older than that go
        LexicalFeed.prune(jdbc, new LexicalProperties(LexicalProperties.Engine.SQL, dirs, Duration.ofMillis(500),
                20000, Duration.ZERO, Duration.ZERO, Duration.ofDays(7), null, true));
        assertThat(feedRows(collection)).isZero();
        assertThat(jdbc.sql("SELECT below FROM lexical_feed_floor").query(Long.class).single()).isGreaterThan(newest);
        // an instance built afterwards starts from chunks
        LuceneIndexes lucene = instance("unread");
        lucene.catchUp();
        assertThat(lucene.of(collection).indexedChunks()).isEqualTo(chunks(collection));
    }

    @Test
    void aReindexRequestRebuildsEachInstancesIndexOnceAndOnlyAKeyThatMayWriteMakesIt() throws Exception {
        long collection = corpus("lexical-reindex");
        Path dir = dirs.resolve("reindex");
        LuceneIndexes earlier = instance(dir, "reindex-1");
        earlier.catchUp();
        earlier.close();
        // an index that drifted from PostgreSQL (a bug, a restored backup): it no longer holds laptops.md's chunk
        UUID laptops = document(collection, "laptops.md");
        forget(dir.resolve("c" + collection), laptops);

        LuceneIndexes lucene = instance(dir, "reindex-2");
        List<Long> rebuilt = new ArrayList<>();
        lucene.beforeSwap = rebuilt::add;
        lucene.catchUp();
        assertThat(lucene.search(collection, "broken computers", List.of(), null, 5).orElseThrow())
                .as("the drift is served").isEmpty();

        String reader = admin().post("/api/v1/keys", Map.of("name", "reindex-reader", "collections",
                List.of("lexical-reindex"), "permissions", List.of("read"))).body().path("key").asString();
        assertThat(as(reader).post("/api/v1/collections/lexical-reindex/reindex", Map.of()).status()).isEqualTo(403);
        Api.Response unknown = admin().post("/api/v1/collections/absent/reindex", Map.of());
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.contentType()).startsWith("application/problem+json");
        lucene.catchUp();
        assertThat(rebuilt).as("nothing requested yet").isEmpty();

        Api.Response requested = admin().post("/api/v1/collections/lexical-reindex/reindex", Map.of());
        assertThat(requested.status()).isEqualTo(202);
        assertThat(requested.body().path("request").asLong()).isEqualTo(1);
        assertThat(lucene.of(collection).state()).isEqualTo("rebuilding");
        lucene.catchUp();
        assertThat(rebuilt).containsExactly(collection);
        assertThat(ids(lucene.search(collection, "broken computers", List.of(), null, 5).orElseThrow()))
                .containsExactlyElementsOf(ids(sql.search(collection, "broken computers", SearchFilter.NONE, 5)))
                .isNotEmpty();
        assertThat(lucene.of(collection).state()).isEqualTo("ready");
        assertThat(lucene.of(collection).indexedChunks()).isEqualTo(chunks(collection));

        // once per request: neither the next pass nor a restart rebuilds again
        lucene.catchUp();
        lucene.close();
        LuceneIndexes restarted = instance(dir, "reindex-3");
        restarted.beforeSwap = rebuilt::add;
        restarted.catchUp();
        assertThat(rebuilt).containsExactly(collection);
        assertThat(restarted.of(collection).state()).isEqualTo("ready");
    }

    @Test
    void aRebuildKeepsItsInstanceAliveForThePrunerWhileItRuns() {
        long collection = corpus("lexical-alive");
        LuceneIndexes lucene = instance("alive");
        List<Boolean> heartbeatMoved = new ArrayList<>();
        // the pass's own heartbeats wait for the rebuild: without heartbeats of its own, one longer than the
        // instance timeout looks like a dead instance, whose position the pruner ignores
        lucene.beforeSwap = id -> {
            if (id != collection) {
                return;
            }
            java.time.OffsetDateTime before = heartbeatAt("alive");
            try {
                Thread.sleep(700);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            heartbeatMoved.add(heartbeatAt("alive").isAfter(before));
        };
        lucene.catchUp();
        assertThat(heartbeatMoved).containsExactly(true);
        assertThat(lucene.of(collection).state()).isEqualTo("ready");
    }

    private java.time.OffsetDateTime heartbeatAt(String instanceId) {
        return jdbc.sql("SELECT heartbeat_at FROM lexical_indexers WHERE instance_id = :id").param("id", instanceId)
                .query(java.time.OffsetDateTime.class).single();
    }

    @Test
    void theCollectionViewShowsTheIndexStateAndLag() {
        long collection = corpus("lexical-view");
        LuceneIndexes lucene = instance("view");
        assertThat(lucene.of(collection).state()).isEqualTo("missing");
        lucene.catchUp();
        LexicalIndexStatus.View ready = lucene.of(collection);
        assertThat(ready.state()).isEqualTo("ready");
        assertThat(ready.indexedChunks()).isEqualTo(chunks(collection));
        assertThat(ready.pendingChanges()).isZero();
        insertChunk(jdbc, document(collection, "leave.md"), UUID.randomUUID(), "Narwhals have tusks");
        LexicalIndexStatus.View behind = lucene.of(collection);
        assertThat(behind.state()).isEqualTo("catching-up");
        assertThat(behind.pendingChanges()).isEqualTo(1);
        assertThat(behind.lagSeconds()).isNotNull();
        // the service says which engine it runs
        assertThat(admin().get("/api/v1/collections/lexical-view").body().path("lexicalIndex").path("engine")
                .asString()).isEqualToIgnoringCase(serviceLexical.engine().name());
    }

    /**
     * Once both instances have applied the collection's rows, pruning takes them. An instance's position is the oldest
     * transaction in flight when it last caught up, so a write transaction elsewhere in the suite that began before
     * the rows were written (another test context's background work) holds it back until it ends: catch up again
     * until it has.
     */
    private void assertPrunedOnceAppliedBy(long collection, LuceneIndexes one, LuceneIndexes two) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    one.catchUp();
                    two.catchUp();
                    pruneWithOnlyLive("prune-1", "prune-2");
                    assertThat(feedRows(collection)).as("rows applied by both").isZero();
                });
    }

    /**
     * Prunes as if only these instances were live. The service's own contexts heartbeat as instances too when the
     * suite runs on Lucene, and one whose index is behind (or a context closed since) would hold the rows back; their
     * rows are deleted in the pruning's own transaction, so that a heartbeat in between cannot bring one back.
     */
    private void pruneWithOnlyLive(String... instanceIds) {
        JdbcClient inTransaction = JdbcClient.create(dataSource);
        new TransactionTemplate(new DataSourceTransactionManager(dataSource)).executeWithoutResult(tx -> {
            inTransaction.sql("DELETE FROM lexical_indexers WHERE instance_id NOT IN (:ids)")
                    .param("ids", List.of(instanceIds)).update();
            LexicalFeed.prune(inTransaction, new LexicalProperties(LexicalProperties.Engine.LUCENE, dirs,
                    Duration.ofMillis(500), 20000, Duration.ZERO, Duration.ofMinutes(10), Duration.ofDays(7), null, true));
        });
    }

    private LuceneIndexes instance(String name) {
        return instance(dirs.resolve(name), name);
    }

    private LuceneIndexes instance(Path dir, String instanceId) {
        return instance(dataSource, dir, instanceId);
    }

    private LuceneIndexes instance(DataSource dataSource, Path dir, String instanceId) {
        LexicalProperties properties = new LexicalProperties(LexicalProperties.Engine.LUCENE, dir,
                Duration.ofMillis(500), 20000, Duration.ZERO, Duration.ofMinutes(10), Duration.ofDays(7), null, true);
        LuceneIndexes indexes = new LuceneIndexes(dataSource, properties, instanceId);
        opened.add(indexes);
        return indexes;
    }

    private long corpus(String name) {
        admin().post("/api/v1/collections", Map.of("name", name));
        assertThat(admin().ingest(name,
                Part.file("leave.md", """
                        # Leave
                        ## Annual leave
                        Employees accrue vacation days every pay period; full-time staff earn between 13 and 26 days
                        of annual leave a year depending on their years of service.
                        """),
                Part.file("sick.md", """
                        # Sick leave
                        Employees earn sick days too; sick leave is separate from vacation and annual leave.
                        """),
                Part.file("laptops.md", """
                        # Equipment
                        ## Laptops
                        New hires receive a laptop on their first day. Broken computers are replaced by the IT desk.
                        """),
                Part.file("monitors.md", """
                        # Equipment
                        ## Monitors
                        Employees may ask the IT desk for a second monitor for their laptop.
                        """),
                Part.file("travel.md", """
                        # Travel
                        ## Booking trains
                        Book train tickets through the travel agency portal at least a week ahead.
                        """),
                Part.file("expenses.md", """
                        # Travel expenses
                        Keep the receipts of train tickets, hotels and meals; the agency does not book meals.
                        """)).path("status").asString()).isEqualTo("DONE");
        return collectionId(name);
    }

    /** Rewrites the layout in the index's last commit, as another version of Lore would have written it. */
    private static void relabel(Path index, String layout) throws Exception {
        try (FSDirectory directory = FSDirectory.open(index);
                IndexWriter writer = new IndexWriter(directory, new IndexWriterConfig())) {
            Map<String, String> data = new java.util.HashMap<>(SegmentInfos.readLatestCommit(directory).getUserData());
            data.put("layout", layout);
            writer.setLiveCommitData(data.entrySet());
            writer.commit();
        }
    }

    /** Deletes a document's chunks from the index behind the feed's back, keeping its last commit's data. */
    private static void forget(Path index, UUID document) throws Exception {
        try (FSDirectory directory = FSDirectory.open(index);
                IndexWriter writer = new IndexWriter(directory, new IndexWriterConfig())) {
            Map<String, String> data = new java.util.HashMap<>(SegmentInfos.readLatestCommit(directory).getUserData());
            writer.deleteDocuments(new org.apache.lucene.index.Term(LuceneIndexes.DOCUMENT, document.toString()));
            writer.setLiveCommitData(data.entrySet());
            writer.commit();
        }
    }

    private long collectionId(String name) {
        return jdbc.sql("SELECT id FROM collections WHERE name = :n").param("n", name).query(Long.class).single();
    }

    private UUID document(long collection, String source) {
        return jdbc.sql("SELECT id FROM documents WHERE collection_id = :c AND source = :s").param("c", collection)
                .param("s", source).query(UUID.class).single();
    }

    private long chunks(long collection) {
        return jdbc.sql("SELECT count(*) FROM chunks WHERE collection_id = :c").param("c", collection)
                .query(Long.class).single();
    }

    private long feedRows(long collection) {
        return jdbc.sql("SELECT count(*) FROM lexical_changes WHERE collection_id = :c").param("c", collection)
                .query(Long.class).single();
    }

    private void raiseFloorToNow() {
        jdbc.sql("UPDATE lexical_feed_floor SET below = greatest(below, "
                + "pg_snapshot_xmin(pg_current_snapshot())::text::bigint)").update();
    }

    private static void insertChunk(JdbcClient client, UUID document, UUID id, String text) {
        client.sql("""
                INSERT INTO chunks (id, document_id, collection_id, ordinal, source, title, heading_path, text, embedding)
                SELECT :id, d.id, d.collection_id, 1000 + d.chunks, d.source, d.title, '', :text,
                       (SELECT embedding FROM chunks WHERE document_id = d.id LIMIT 1)
                FROM documents d WHERE d.id = :d""").param("id", id).param("d", document).param("text", text)
                .update();
    }

    private static List<UUID> ids(List<LexicalHit> hits) {
        return hits.stream().map(LexicalHit::chunkId).toList();
    }

}
