package dev.lore.retrieval.lexical;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.custom.CustomAnalyzer;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.apache.lucene.util.ClasspathResourceLoader;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherFactory;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.search.spell.DirectSpellChecker;
import org.apache.lucene.search.spell.SuggestMode;
import org.apache.lucene.search.spell.SuggestWord;
import org.apache.lucene.search.similarities.Similarity;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.FileSystemUtils;

import dev.lore.documents.LexicalIndexStatus;

/**
 * This instance's Lucene indexes, one per collection under {@code index-dir/c<id>}, derived from PostgreSQL and kept
 * in step with it through the change feed ({@code lexical_changes}, filled by triggers on {@code chunks}, see V27).
 *
 * <p>A position is a transaction id: an index at position P holds every change of every transaction below P, and P is
 * stored in the index's own commit data, so it survives restarts with the index it describes. Each pass
 * ({@link #catchUp()}) takes the oldest transaction still in flight (the snapshot's xmin) as the new position and
 * applies the feed rows between the two: every transaction below xmin has ended, so no row below it can still
 * appear, whatever order their ids committed in. A row only names a chunk; applying it re-reads the chunk, or deletes
 * it from the index when it is gone, so rows apply in any order and more than once.
 *
 * <p>An index is rebuilt from {@code chunks} when it is missing, unreadable, of another {@link #LAYOUT}, below the
 * feed's floor (its rows were pruned), or more than {@code rebuild-above} changes behind. A rebuild writes a new index
 * beside the old one ({@code c<id>.next}) and swaps it in once committed, so the old index answers the searches it
 * still can meanwhile; a {@code .next} or {@code .old} directory left by a crash is deleted at start. A search asks
 * {@link #search} first; it answers nothing (and the caller uses SQL) unless the index is ready and the feed holds no
 * committed row for the collection at or above the index's position, so a search never misses a committed change.
 */
public class LuceneIndexes implements LexicalIndexStatus, AutoCloseable {

    /** Fields, analyzer and scoring of an index; an index of another layout is rebuilt. */
    static final String LAYOUT = "lore-lexical-2";

    static final String ID = "id";
    static final String DOCUMENT = "document";
    static final String SOURCE = "source";
    static final String BODY = "body";

    private static final String NEXT = ".next";
    private static final String OLD = ".old";
    private static final String LAYOUT_KEY = "layout";
    private static final String POSITION_KEY = "position";
    /** The reindex request ({@code collections.lexical_reindex}) the index was built for. */
    private static final String REINDEX_KEY = "reindex";
    /** An idle index's advanced position is committed at most this often, so that a restart need not rebuild. */
    private static final Duration IDLE_COMMIT = Duration.ofMinutes(1);
    private static final Duration PRUNE_INTERVAL = Duration.ofMinutes(1);
    private static final Duration RETRY_AFTER = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(LuceneIndexes.class);

    /** Stateless once configured, so one serves every search. */
    private static final DirectSpellChecker SPELLING = spelling();

    private static DirectSpellChecker spelling() {
        DirectSpellChecker spelling = new DirectSpellChecker();
        spelling.setMinQueryLength(5);
        spelling.setMinPrefix(1);
        spelling.setMaxEdits(2);
        spelling.setAccuracy(0.8f);
        return spelling;
    }

    /**
     * English as PostgreSQL's {@code english} text search configuration reads it, which the SQL engine uses: the
     * Snowball English stemmer (Porter2) and Snowball's stop list. Lucene's {@code EnglishAnalyzer} (Porter's first
     * stemmer, 33 stop words) ranked the 18F handbook questions lower (lexical nDCG@10 0.72 against SQL's 0.77):
     * "how", "do", "I" scored as words.
     */
    static Analyzer englishAsPostgres() {
        try {
            return CustomAnalyzer.builder(new ClasspathResourceLoader(SnowballFilter.class))
                    .withTokenizer("standard")
                    .addTokenFilter("englishPossessive")
                    .addTokenFilter("lowercase")
                    .addTokenFilter("stop", "words", "english_stop.txt", "format", "snowball", "ignoreCase", "true")
                    .addTokenFilter("snowballPorter", "language", "English")
                    .build();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private final JdbcClient jdbc;
    private final JdbcTemplate streaming;
    private final TransactionTemplate snapshot;
    private final LexicalProperties properties;
    private final Path root;
    /** This instance's hold on {@link #root}; {@code null} where the directory could not be made or locked. */
    private final FileChannel claim;
    private final String instanceId;
    private final Analyzer analyzer = englishAsPostgres();
    private final Similarity similarity = new BM25Similarity((float) SqlLexicalSearch.BM25_K1,
            (float) SqlLexicalSearch.BM25_B);
    private final Map<Long, CollectionIndex> indexes = new ConcurrentHashMap<>();
    private final Map<Long, Failure> failures = new ConcurrentHashMap<>();
    private volatile ScheduledExecutorService applier;
    private long lastHeartbeat;
    private long lastPrune;
    private boolean sweptStrayDirectories;
    /** How long a failed index waits before it is opened again; tests shorten it. */
    volatile Duration retryAfter = RETRY_AFTER;
    /** Wraps each index's directory; tests put one whose writes fail, as on a full disk. */
    volatile java.util.function.UnaryOperator<Directory> directories = directory -> directory;
    /** Runs between applying feed rows and committing them; tests stop an instance there. */
    volatile java.util.function.BiConsumer<Long, IndexWriter> beforeCommit = (collectionId, writer) -> {
    };
    /** Runs between a rebuild's last write and its swap; tests search and write there. */
    volatile java.util.function.LongConsumer beforeSwap = collectionId -> {
    };

    private record Failure(String error, long retryAt) {
    }

    /**
     * An index's searchable state: every change of every transaction below {@code position} (-1: none, it is to be
     * built), and the feed rows at or above it that were committed, and applied, already ({@code appliedAbove}, ids in
     * order): a transaction in flight holds the position back, not the rows of those committed after it began.
     */
    private record Published(long position, long[] appliedAbove) {

        boolean applied(long id) {
            return java.util.Arrays.binarySearch(appliedAbove, id) >= 0;
        }
    }

    /** A feed row: its id, its transaction and the chunk it names. */
    private record Change(long id, long xid, UUID chunkId) {
    }

    /** One collection's open index; its writer is used by the applying thread alone. */
    private final class CollectionIndex {
        final long collectionId;
        final Path path;
        final Directory directory;
        final IndexWriter writer;
        final SearcherManager searchers;
        volatile boolean building;
        /** Written in another {@link #LAYOUT}: correct but to be rebuilt, it answers searches until then. */
        final boolean otherLayout;
        /** What searches may rely on; written only once the searcher that shows it is open. */
        volatile Published published;
        /** The reindex request it was built for; a newer one rebuilds it. */
        volatile long reindex;
        long committedPosition;
        long committedAt;

        CollectionIndex(long collectionId, Path path) throws IOException {
            this.collectionId = collectionId;
            this.path = path;
            Files.createDirectories(path);
            this.directory = directories.apply(FSDirectory.open(path));
            try {
                long stored = -1;
                boolean other = false;
                if (DirectoryReader.indexExists(directory)) {
                    // reading the last commit checks its segments file; a damaged one throws here
                    Map<String, String> data = SegmentInfos.readLatestCommit(directory).getUserData();
                    if (data.get(POSITION_KEY) != null) {
                        stored = Long.parseLong(data.get(POSITION_KEY));
                    }
                    reindex = Long.parseLong(data.getOrDefault(REINDEX_KEY, "0"));
                    if (stored >= 0 && !LAYOUT.equals(data.get(LAYOUT_KEY))) {
                        other = true;
                        log.info("Lexical index of collection {} is of layout {}, not {}: rebuilding it",
                                collectionId, data.get(LAYOUT_KEY), LAYOUT);
                    }
                }
                this.otherLayout = other;
                IndexWriterConfig config = new IndexWriterConfig(analyzer).setSimilarity(similarity)
                        .setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND);
                this.writer = new IndexWriter(directory, config);
                if (stored < 0) {
                    writer.deleteAll();
                }
                this.published = new Published(stored, new long[0]);
                this.committedPosition = stored;
                commit(stored);
                this.searchers = new SearcherManager(directory, new SearcherFactory() {
                    @Override
                    public IndexSearcher newSearcher(IndexReader reader, IndexReader previous) {
                        IndexSearcher searcher = new IndexSearcher(reader);
                        searcher.setSimilarity(similarity);
                        return searcher;
                    }
                });
                // opening every segment's files finds a damaged one before a search does
                IndexSearcher check = searchers.acquire();
                searchers.release(check);
            }
            catch (IOException | RuntimeException e) {
                closeQuietly();
                throw e;
            }
        }

        void commit(long newPosition) throws IOException {
            // an index of another layout keeps its own name until the rebuild replaces it
            String layout = otherLayout
                    ? SegmentInfos.readLatestCommit(directory).getUserData().getOrDefault(LAYOUT_KEY, "")
                    : LAYOUT;
            writer.setLiveCommitData(Map.of(LAYOUT_KEY, layout, POSITION_KEY, Long.toString(newPosition),
                    REINDEX_KEY, Long.toString(reindex)).entrySet());
            writer.commit();
            committedPosition = newPosition;
            committedAt = System.nanoTime();
        }

        void closeQuietly() {
            try {
                if (writer != null) {
                    writer.rollback();
                }
            }
            catch (IOException | RuntimeException e) {
                log.debug("Closing the lexical index of collection {}", collectionId, e);
            }
            try {
                if (searchers != null) {
                    searchers.close();
                }
            }
            catch (IOException | RuntimeException e) {
                log.debug("Closing the searchers of collection {}", collectionId, e);
            }
            try {
                directory.close();
            }
            catch (IOException | RuntimeException e) {
                log.debug("Closing the directory of collection {}", collectionId, e);
            }
        }
    }

    public LuceneIndexes(DataSource dataSource, LexicalProperties properties, String instanceId) {
        this.jdbc = JdbcClient.create(dataSource);
        this.streaming = new JdbcTemplate(dataSource);
        // PostgreSQL's driver streams rows only inside a transaction and with a fetch size
        streaming.setFetchSize(1000);
        this.snapshot = new TransactionTemplate(new JdbcTransactionManager(dataSource));
        snapshot.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
        snapshot.setReadOnly(true);
        this.properties = properties;
        Claim claimed = claim(properties.indexDir());
        this.root = claimed.root();
        this.claim = claimed.channel();
        this.instanceId = instanceId;
    }

    private record Claim(Path root, FileChannel channel) {
    }

    /** Directories {@link #claim} tries beside {@code index-dir} before it gives up. */
    static final int SLOTS = 16;

    static final String CLAIM_FILE = "instance.lock";

    /**
     * Claims an index directory of this instance's own: {@code index-dir} itself or, while another instance on this
     * machine holds that (a second instance started with the same settings, as the README's two instances are), the
     * first free one of {@code index-dir-2}, {@code -3}, .... The hold is the operating system's lock on a file in
     * the directory, which it releases when the process ends, however it ends, so a restarted instance takes its
     * directory back. Without it, two instances would share a directory and each collection's writer would fail on
     * Lucene's own lock, one at a time. A directory that cannot be made or locked at all (a file in its place, no
     * permission) is kept as it is: each collection's index then fails there, with its error in the collection's
     * view, and SQL answers.
     */
    private static Claim claim(Path configured) {
        for (int slot = 1; slot <= SLOTS; slot++) {
            Path candidate = slot == 1 ? configured
                    : configured.resolveSibling(configured.getFileName() + "-" + slot);
            FileChannel channel = null;
            try {
                Files.createDirectories(candidate);
                channel = FileChannel.open(candidate.resolve(CLAIM_FILE), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE);
                FileLock lock;
                try {
                    lock = channel.tryLock();
                }
                catch (OverlappingFileLockException heldInThisProcess) {
                    lock = null;
                }
                if (lock != null) {
                    if (slot > 1) {
                        log.warn("Lexical index directory {} is held by another instance on this machine; this one "
                                + "keeps its indexes in {} (give each instance its own "
                                + "lore.retrieval.lexical.index-dir to choose)", configured, candidate);
                    }
                    else {
                        log.info("Lexical indexes in {}", candidate);
                    }
                    return new Claim(candidate, channel);
                }
                channel.close();
            }
            catch (IOException e) {
                closeQuietly(channel);
                log.warn("Cannot claim lexical index directory {}: {}; lexical search runs in SQL until it can "
                        + "be written", candidate, e.toString());
                return new Claim(candidate, null);
            }
        }
        log.warn("Lexical index directories {} to -{} are all held by other instances; sharing {}", configured,
                SLOTS, configured);
        return new Claim(configured, null);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            }
            catch (IOException e) {
                // releasing: nothing left to do with it
            }
        }
    }

    /** The directory this instance keeps its indexes in (see {@link #claim}). */
    public Path root() {
        return root;
    }

    /** Applies the feed every {@code poll-interval} on a thread of its own until {@link #close()}. */
    public synchronized void start() {
        applier = LexicalFeed.applyEvery(properties, "lexical-index", this::catchUp, log, "Lexical indexes");
    }

    /**
     * One pass: opens or rebuilds the index of every collection, applies the feed up to the oldest transaction in
     * flight, drops the indexes of deleted collections, records this instance's heartbeat and prunes the feed.
     */
    public synchronized void catchUp() {
        long horizon = xmin();
        long floor = jdbc.sql("SELECT below FROM lexical_feed_floor").query(Long.class).single();
        Map<Long, Long> reindex = LexicalFeed.collections(jdbc);
        Set<Long> collections = reindex.keySet();
        for (Long gone : new ArrayList<>(indexes.keySet())) {
            if (!collections.contains(gone)) {
                drop(gone);
            }
        }
        failures.keySet().retainAll(collections);
        sweepStrayDirectories(collections);
        // one statement finds the collections with feed rows any index may not have: the others only move on
        Set<Long> changed = new HashSet<>(jdbc.sql(
                "SELECT DISTINCT collection_id FROM lexical_changes WHERE xid >= :lowest")
                .param("lowest", lowestPosition(horizon)).query(Long.class).list());
        for (long collectionId : collections) {
            CollectionIndex index = indexes.get(collectionId);
            long requested = reindex.get(collectionId);
            if (index != null && !changed.contains(collectionId) && !failures.containsKey(collectionId)
                    && index.published.position() >= floor && index.reindex >= requested) {
                idle(index, horizon);
            }
            else {
                catchUp(collectionId, horizon, floor, requested);
            }
        }
        if (System.nanoTime() - lastHeartbeat >= properties.heartbeatInterval().toNanos()) {
            heartbeat(horizon);
        }
        if (System.nanoTime() - lastPrune >= PRUNE_INTERVAL.toNanos()) {
            prune();
        }
    }

    private void catchUp(long collectionId, long horizon, long floor, long requested) {
        Failure failure = failures.get(collectionId);
        if (failure != null && System.nanoTime() < failure.retryAt()) {
            return;
        }
        CollectionIndex index = indexes.get(collectionId);
        try {
            if (index == null) {
                index = open(collectionId);
            }
            long position = index.published.position();
            if (position < 0 || position < floor || index.otherLayout || index.reindex < requested) {
                if (position >= 0 && index.reindex < requested) {
                    log.info("Lexical index of collection {} rebuilding on request", collectionId);
                }
                rebuild(index, Math.max(requested, index.reindex));
            }
            else {
                apply(index, horizon);
            }
            if (failures.remove(collectionId) != null) {
                log.info("Lexical index of collection {} recovered", collectionId);
            }
        }
        catch (IOException | RuntimeException e) {
            // whatever this pass wrote and did not commit goes: the index reopens at its last commit
            if (index != null) {
                indexes.remove(collectionId);
                index.closeQuietly();
            }
            if (e instanceof org.springframework.dao.DataAccessException) {
                // PostgreSQL, not the index: retried on the next pass
                throw (RuntimeException) e;
            }
            fail(collectionId, e);
        }
    }

    /** An index that cannot be written or read: closed, served by SQL, opened again (rebuilt if need be) later. */
    private void fail(long collectionId, Exception e) {
        String error = e.getClass().getSimpleName() + ": " + e.getMessage();
        Failure previous = failures.put(collectionId, new Failure(error, System.nanoTime() + retryAfter.toNanos()));
        if (previous == null || !previous.error().equals(error)) {
            log.warn("Lexical index of collection {} failed, lexical search uses SQL until it recovers: {}",
                    collectionId, error);
        }
    }

    private CollectionIndex open(long collectionId) throws IOException {
        Path path = root.resolve("c" + collectionId);
        CollectionIndex index;
        try {
            index = new CollectionIndex(collectionId, path);
        }
        catch (org.apache.lucene.index.CorruptIndexException | org.apache.lucene.index.IndexFormatTooOldException
                | org.apache.lucene.index.IndexFormatTooNewException | java.nio.file.NoSuchFileException e) {
            // a derived index: whatever is wrong with it, PostgreSQL has what it held
            log.warn("Lexical index of collection {} is unreadable ({}): rebuilding it from PostgreSQL",
                    collectionId, e.toString());
            FileSystemUtils.deleteRecursively(path);
            index = new CollectionIndex(collectionId, path);
        }
        indexes.put(collectionId, index);
        return index;
    }

    /**
     * Applies the collection's feed rows from the index's position on, committed ones above {@code horizon} included
     * (kept as applied above the new position, which is {@code horizon}: the rows of transactions still in flight
     * below them are yet to come).
     */
    private void apply(CollectionIndex index, long horizon) throws IOException {
        Published published = index.published;
        List<Change> rows = jdbc.sql("""
                SELECT id, xid, chunk_id FROM lexical_changes
                WHERE collection_id = :collection AND xid >= :from ORDER BY id LIMIT :limit""")
                .param("collection", index.collectionId).param("from", published.position())
                .param("limit", properties.rebuildAbove() + 1)
                .query((rs, n) -> new Change(rs.getLong(1), rs.getLong(2), rs.getObject(3, UUID.class))).list();
        if (rows.size() > properties.rebuildAbove()) {
            log.info("Lexical index of collection {} is more than {} changes behind: rebuilding it",
                    index.collectionId, properties.rebuildAbove());
            rebuild(index, index.reindex);
            return;
        }
        Set<UUID> changed = new LinkedHashSet<>();
        for (Change row : rows) {
            if (!published.applied(row.id())) {
                changed.add(row.chunkId());
            }
        }
        long[] above = rows.stream().filter(row -> row.xid() >= horizon).mapToLong(Change::id).sorted().toArray();
        if (changed.isEmpty()) {
            index.published = new Published(Math.max(horizon, published.position()), above);
            commitIfIdleLong(index);
            return;
        }
        Set<UUID> missing = new HashSet<>(changed);
        jdbc.sql(CHUNKS + " WHERE k.id = ANY(:ids) AND k.collection_id = :collection")
                .param("ids", changed.toArray(UUID[]::new)).param("collection", index.collectionId)
                .query((org.springframework.jdbc.core.RowCallbackHandler) rs -> {
                    UUID id = rs.getObject(1, UUID.class);
                    missing.remove(id);
                    try {
                        index.writer.updateDocument(new Term(ID, id.toString()), document(rs));
                    }
                    catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
        for (UUID gone : missing) {
            index.writer.deleteDocuments(new Term(ID, gone.toString()));
        }
        beforeCommit.accept(index.collectionId, index.writer);
        publish(index, new Published(Math.max(horizon, published.position()), above));
    }

    /** An index whose collection has no feed row at or above its position: it moves on without a write. */
    private void idle(CollectionIndex index, long horizon) {
        try {
            index.published = new Published(Math.max(horizon, index.published.position()), new long[0]);
            commitIfIdleLong(index);
        }
        catch (IOException | RuntimeException e) {
            indexes.remove(index.collectionId);
            index.closeQuietly();
            fail(index.collectionId, e);
        }
    }

    private void commitIfIdleLong(CollectionIndex index) throws IOException {
        long position = index.published.position();
        if (System.nanoTime() - index.committedAt >= IDLE_COMMIT.toNanos() && index.committedPosition != position) {
            index.commit(position);
        }
    }

    /** A chunk as the lexical indexes read it (the OpenSearch engine reads the same). */
    static final String CHUNKS = chunks("");

    /** The chunks' indexed columns with {@code more} (", k.x AS y") after them, for a query to end with a WHERE. */
    static String chunks(String more) {
        return """
                SELECT k.id, k.document_id, k.source, k.title, k.heading_path, k.text,
                       left(d.metadata ->> 'keywords', 2000) AS keywords%s
                FROM chunks k JOIN documents d ON d.id = k.document_id""".formatted(more);
    }

    /**
     * Indexes every chunk of the collection as of one snapshot, at the position of that snapshot's xmin, into a new
     * directory beside the index, then swaps it in: changes of transactions at or above that position are applied
     * afterwards from the feed (again, for those the snapshot saw). Until the swap the old index answers whatever
     * searches it can answer correctly (those it has every committed change for).
     */
    private void rebuild(CollectionIndex index, long reindex) throws IOException {
        long started = System.nanoTime();
        long collectionId = index.collectionId;
        Path next = index.path.resolveSibling(index.path.getFileName() + NEXT);
        Path old = index.path.resolveSibling(index.path.getFileName() + OLD);
        index.building = true;
        CollectionIndex built = null;
        ScheduledExecutorService heartbeats = null;
        try {
            FileSystemUtils.deleteRecursively(next);
            built = new CollectionIndex(collectionId, next);
            CollectionIndex target = built;
            long[] rows = { 0 };
            // a long rebuild must not let the feed be pruned past what it will need: its snapshot's xmin is at
            // least this one
            long before = xmin();
            long needed = Math.min(before, lowestPosition(before));
            heartbeat(needed);
            // the row alone from the heartbeat thread: lastHeartbeat belongs to the applier's thread
            heartbeats = LexicalFeed.heartbeatsDuring(properties,
                    () -> LexicalFeed.heartbeat(jdbc, instanceId, needed), "lexical-index-rebuild", log);
            Published rebuilt = snapshot.execute(status -> {
                long xmin = xmin();
                // the snapshot shows some transactions at or above its xmin committed: their rows are in the index
                long[] above = jdbc.sql("""
                        SELECT id FROM lexical_changes WHERE collection_id = :collection AND xid >= :xmin ORDER BY id""")
                        .param("collection", collectionId).param("xmin", xmin).query(Long.class).list()
                        .stream().mapToLong(Long::longValue).toArray();
                streaming.query(CHUNKS + " WHERE k.collection_id = ?", (org.springframework.jdbc.core.RowCallbackHandler) rs -> {
                    try {
                        target.writer.addDocument(document(rs));
                        rows[0]++;
                    }
                    catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }, collectionId);
                return new Published(xmin, above);
            });
            built.reindex = reindex;
            built.commit(rebuilt.position());
            built.closeQuietly();
            built = null;
            beforeSwap.accept(collectionId);
            swap(index, next, old, rebuilt);
            log.info("Lexical index of collection {} rebuilt: {} chunks in {} ms", collectionId, rows[0],
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        }
        finally {
            index.building = false;
            if (heartbeats != null) {
                heartbeats.shutdownNow();
            }
            if (built != null) {
                built.closeQuietly();
                deleteQuietly(next);
            }
        }
    }

    /**
     * Puts the committed index in {@code next} in the place of {@code index}: the old one is renamed aside (its open
     * readers keep answering searches under way), the new one opened and published, and only then the old one closed
     * and deleted. A crash in between leaves {@code .next} or {@code .old} directories, deleted at the next start; a
     * missing index is then rebuilt.
     */
    private void swap(CollectionIndex index, Path next, Path old, Published rebuilt) throws IOException {
        index.writer.rollback();
        FileSystemUtils.deleteRecursively(old);
        if (Files.exists(index.path)) {
            Files.move(index.path, old, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(next, index.path, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        CollectionIndex swapped = new CollectionIndex(index.collectionId, index.path);
        swapped.published = rebuilt;
        indexes.put(index.collectionId, swapped);
        index.closeQuietly();
        deleteQuietly(old);
    }

    /** Commits the index at its new position and only then lets searches rely on it. */
    private void publish(CollectionIndex index, Published published) throws IOException {
        index.commit(published.position());
        index.searchers.maybeRefreshBlocking();
        index.published = published;
    }

    private Document document(ResultSet rs) throws SQLException {
        Document document = new Document();
        document.add(new StringField(ID, rs.getString("id"), Field.Store.YES));
        document.add(new StringField(DOCUMENT, rs.getString("document_id"), Field.Store.NO));
        document.add(new StringField(SOURCE, rs.getString("source"), Field.Store.NO));
        // one field, as PostgreSQL's full-text vector: title, headings and the document's keywords, then the text
        String keywords = rs.getString("keywords");
        document.add(new TextField(BODY, rs.getString("title") + " " + rs.getString("heading_path") + " "
                + (keywords == null ? "" : keywords) + "\n" + rs.getString("text"), Field.Store.NO));
        return document;
    }

    /**
     * The collection's best chunks for {@code query} from its index, or nothing where the index cannot answer
     * correctly now (not built, failed, or changes committed that it has not applied yet). {@code documents}: only
     * these documents (null: any).
     */
    public Optional<List<LexicalHit>> search(long collectionId, String query, Collection<String> sources,
            Collection<UUID> documents, int limit) {
        CollectionIndex index = indexes.get(collectionId);
        Published published = index == null ? null : index.published;
        if (published == null || published.position() < 0) {
            return Optional.empty();
        }
        if (LexicalFeed.behind(jdbc, collectionId, published.position(), boxed(published.appliedAbove()))) {
            return Optional.empty();
        }
        Set<String> terms = terms(query);
        if (terms.isEmpty()) {
            return Optional.of(List.of());
        }
        try {
            IndexSearcher searcher = index.searchers.acquire();
            try {
                return Optional.of(search(searcher, words(searcher.getIndexReader(), terms,
                        properties.correctSpelling()), sources, documents, limit));
            }
            finally {
                index.searchers.release(searcher);
            }
        }
        catch (IOException | org.apache.lucene.store.AlreadyClosedException e) {
            log.warn("Lexical index of collection {} could not be searched, using SQL: {}", collectionId,
                    e.toString());
            return Optional.empty();
        }
    }

    /**
     * The query's words, each a SHOULD clause, and for a word that no chunk holds, the index's closest word as well:
     * employees type "vocher" for "voucher", and a word no chunk holds adds nothing to BM25, so the correction only
     * adds a match that was missed. Only close corrections are taken (edits within a fifth of the word, the first
     * letter kept, words of five letters or more), so names and words the collection lacks ("Juneteenth") find
     * nothing rather than a neighbour.
     */
    static Query words(IndexReader reader, Set<String> terms, boolean correct) throws IOException {
        BooleanQuery.Builder words = new BooleanQuery.Builder();
        Set<String> all = new LinkedHashSet<>(terms);
        if (correct) {
            for (String term : terms) {
                // the checker itself passes over short words and words the index holds
                for (SuggestWord suggestion : SPELLING.suggestSimilar(new Term(BODY, term), 1, reader,
                        SuggestMode.SUGGEST_WHEN_NOT_IN_INDEX)) {
                    all.add(suggestion.string);
                }
            }
        }
        for (String term : all) {
            words.add(new TermQuery(new Term(BODY, term)), BooleanClause.Occur.SHOULD);
        }
        return words.build();
    }

    private static List<LexicalHit> search(IndexSearcher searcher, Query words, Collection<String> sources,
            Collection<UUID> documents, int limit) throws IOException {
        Query lucene = words;
        if (!sources.isEmpty() || documents != null) {
            // the words stay one required clause: beside a FILTER clause, SHOULD clauses become optional and
            // every chunk that passes the filter would match
            BooleanQuery.Builder filtered = new BooleanQuery.Builder().add(lucene, BooleanClause.Occur.MUST);
            if (!sources.isEmpty()) {
                filtered.add(new TermInSetQuery(SOURCE, sources.stream().map(BytesRef::new).toList()),
                        BooleanClause.Occur.FILTER);
            }
            if (documents != null) {
                filtered.add(new TermInSetQuery(DOCUMENT, documents.stream().map(d -> new BytesRef(d.toString()))
                        .toList()), BooleanClause.Occur.FILTER);
            }
            lucene = filtered.build();
        }
        TopDocs top = searcher.search(lucene, limit);
        List<LexicalHit> hits = new ArrayList<>(top.scoreDocs.length);
        var stored = searcher.storedFields();
        for (ScoreDoc hit : top.scoreDocs) {
            // Lucene's BM25 leaves out the constant (k1 + 1) of the numerator, which the SQL engine keeps: put back,
            // a score reads the same whichever engine ran
            hits.add(new LexicalHit(UUID.fromString(stored.document(hit.doc, Set.of(ID)).get(ID)),
                    hit.score * (1 + SqlLexicalSearch.BM25_K1)));
        }
        return hits;
    }

    /** The query's distinct analyzed words: each counts once, as in the SQL engine's BM25. */
    Set<String> terms(String query) {
        return terms(analyzer, query);
    }

    static Set<String> terms(Analyzer analyzer, String query) {
        Set<String> terms = new LinkedHashSet<>();
        try (TokenStream tokens = analyzer.tokenStream(BODY, query)) {
            CharTermAttribute term = tokens.addAttribute(CharTermAttribute.class);
            tokens.reset();
            while (tokens.incrementToken()) {
                terms.add(term.toString());
            }
            tokens.end();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return terms;
    }

    @Override
    public View of(long collectionId) {
        CollectionIndex index = indexes.get(collectionId);
        Failure failure = failures.get(collectionId);
        if (failure != null) {
            return new View("lucene", "failed", null, null, null, failure.error());
        }
        Published published = index == null ? null : index.published;
        if (published == null || published.position() < 0) {
            return new View("lucene", index != null && index.building ? "building" : "missing", null, null, null,
                    null);
        }
        long chunks = index.writer.getDocStats().numDocs;
        if (index.building) {
            return new View("lucene", "building", chunks, null, null, null);
        }
        return LexicalFeed.view(jdbc, "lucene", collectionId, published.position(), boxed(published.appliedAbove()),
                chunks, index.reindex);
    }

    private static Long[] boxed(long[] ids) {
        return java.util.Arrays.stream(ids).boxed().toArray(Long[]::new);
    }

    private long xmin() {
        return jdbc.sql("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint").query(Long.class).single();
    }

    private long lowestPosition(long otherwise) {
        return indexes.values().stream().mapToLong(i -> i.published.position()).filter(p -> p >= 0).min()
                .orElse(otherwise);
    }

    private void heartbeat(long horizon) {
        LexicalFeed.heartbeat(jdbc, instanceId, Math.min(horizon, lowestPosition(horizon)));
        lastHeartbeat = System.nanoTime();
    }

    void prune() {
        LexicalFeed.prune(jdbc, properties);
        lastPrune = System.nanoTime();
    }

    private void drop(long collectionId) {
        CollectionIndex index = indexes.remove(collectionId);
        if (index != null) {
            index.closeQuietly();
            deleteQuietly(index.path);
            log.info("Lexical index of deleted collection {} dropped", collectionId);
        }
    }

    /** Indexes left by collections deleted while this instance was down. */
    private void sweepStrayDirectories(Set<Long> collections) {
        if (sweptStrayDirectories || !Files.isDirectory(root)) {
            return;
        }
        sweptStrayDirectories = true;
        try (Stream<Path> children = Files.list(root)) {
            children.filter(p -> {
                String name = p.getFileName().toString();
                // a rebuild or a swap cut short by a crash: the index it was to replace (or a rebuild) serves
                return name.matches("c\\d+\\.(next|old)") || name.matches("c\\d+")
                        && !collections.contains(Long.parseLong(name.substring(1)));
            }).forEach(LuceneIndexes::deleteQuietly);
        }
        catch (IOException e) {
            log.warn("Cannot list lexical index directory {}: {}", root, e.toString());
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            FileSystemUtils.deleteRecursively(path);
        }
        catch (IOException e) {
            log.warn("Cannot delete lexical index {}: {}", path, e.toString());
        }
    }

    /**
     * Stops applying the feed (a pass under way is interrupted: whatever it had not committed is applied again after
     * a restart, from the position in the last commit) and closes the indexes.
     */
    @Override
    public void close() {
        ScheduledExecutorService running = applier;
        if (running != null) {
            running.shutdownNow();
        }
        synchronized (this) {
            indexes.values().forEach(CollectionIndex::closeQuietly);
            indexes.clear();
        }
        closeQuietly(claim);
    }
}
