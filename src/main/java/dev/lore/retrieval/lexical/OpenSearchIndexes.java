package dev.lore.retrieval.lexical;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.apache.hc.client5.http.auth.AuthScope;
import org.apache.hc.client5.http.auth.UsernamePasswordCredentials;
import org.apache.hc.client5.http.impl.auth.BasicCredentialsProvider;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.util.Timeout;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.WordlistLoader;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.opensearch.client.json.jackson.JacksonJsonpMapper;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.FieldValue;
import org.opensearch.client.opensearch._types.OpenSearchException;
import org.opensearch.client.opensearch._types.Refresh;
import org.opensearch.client.opensearch._types.SearchType;
import org.opensearch.client.opensearch._types.query_dsl.Query;
import org.opensearch.client.opensearch.core.BulkResponse;
import org.opensearch.client.opensearch.core.SearchResponse;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;
import org.opensearch.client.opensearch.core.bulk.BulkResponseItem;
import org.opensearch.client.opensearch.core.mget.MultiGetResponseItem;
import org.opensearch.client.opensearch.core.search.Hit;
import org.opensearch.client.opensearch.generic.Body;
import org.opensearch.client.opensearch.generic.Requests;
import org.opensearch.client.opensearch.generic.Response;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5TransportBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

import dev.lore.documents.CollectionRef;
import dev.lore.documents.DenseSearch;
import dev.lore.documents.LexicalIndexStatus;
import dev.lore.retrieval.dense.OpenSearchDenseSearch;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The collections' OpenSearch indexes, one per collection, derived from PostgreSQL and kept in step with it through
 * the change feed ({@code lexical_changes}, V27), as {@link LuceneIndexes} keeps this instance's Lucene indexes, with
 * the same positions (a transaction id below which every change is applied) and the same promise: a search answers
 * from an index only when the feed holds no committed row of the collection that the index lacks, else SQL answers.
 *
 * <p>Unlike Lucene's, these indexes are shared by every instance: an index's position, the feed rows above it that
 * it holds already, and the name of the index itself live in a state document in OpenSearch
 * ({@code <prefix>-state}, one per collection, read in real time by each search). One instance applies the feed at a
 * time: a pass runs only while its instance holds a PostgreSQL advisory lock (dropped with its connection when an
 * instance dies, so another takes over on its next pass). Every pass re-reads the state, so which instance ran the
 * previous one does not matter. The state is written only after the index writes it describes are refreshed
 * (searchable); a pass cut short leaves the previous state, and its rows are applied again (applying a row re-reads
 * the chunk, so rows apply any number of times).
 *
 * <p>A collection's index is named {@code <prefix>-c<collection>-<generation>}, its {@link #LAYOUT} (analysis,
 * fields, similarity) kept in the mapping's {@code _meta}. It is rebuilt, into a new generation that the state then
 * names, when it is missing, of another layout, below the feed's floor, or more than {@code rebuild-above} changes
 * behind; the old generation answers searches until the state names the new one, and is deleted after. Generations
 * no state names (a rebuild cut short) and the indexes of deleted collections are deleted by the next pass.
 *
 * <p>With {@link Vectors} (the dense engine {@code opensearch}), the index of a collection whose dense search the
 * k-NN plugin can run ({@link OpenSearchDenseSearch#serves}) also holds each chunk's vector, and its state the
 * vectors' marker ({@code <embedder>/<dimension>}): an index whose marker is not the collection's is rebuilt. A
 * re-embedding swaps a collection's vectors and embedder in one transaction without feed rows, and a change of dense
 * search mode writes none either; the marker is what tells the applier, and dense search, that the index's vectors
 * are no longer the collection's.
 */
public class OpenSearchIndexes implements LexicalIndexStatus, AutoCloseable {

    /** Analysis, fields and scoring of an index, in its mapping's {@code _meta}; an index of another is rebuilt. */
    static final String LAYOUT = "lore-opensearch-1";

    static final String DOCUMENT = OpenSearchDenseSearch.DOCUMENT;
    static final String SOURCE = OpenSearchDenseSearch.SOURCE;
    static final String BODY = "body";

    /** The advisory lock's first key, "LO"; the second is the index prefix's hash: one applier per index family. */
    private static final int LOCK_CLASS = 0x4C4F;
    private static final Duration IDLE_WRITE = Duration.ofMinutes(1);
    private static final Duration PRUNE_INTERVAL = Duration.ofMinutes(1);
    private static final Duration RETRY_AFTER = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(OpenSearchIndexes.class);

    /**
     * An index's searchable state: every change of every transaction below {@code position}, and the feed rows at or
     * above it that were committed, and applied, already ({@code appliedAbove}); {@code index} is the generation that
     * holds them; {@code reindex}, the reindex request it was built for (0 in states written before requests
     * existed); {@code vectors}, the marker of the vectors it holds (null: none, as in states written before dense
     * search could run here). Read and written by the OpenSearch client's own (Jackson 2) mapper; fields a later
     * version adds are ignored, so that instances of two versions can share a cluster during a rolling upgrade.
     */
    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
    public record State(String index, long position, List<Long> appliedAbove, String layout, long reindex,
            String vectors) {

        boolean applied(long id) {
            return appliedAbove != null && appliedAbove.contains(id);
        }
    }

    private record Failure(String error, long retryAt) {
    }

    private record Change(long id, long xid, UUID chunkId) {
    }

    /**
     * Dense search in the indexes: the k-NN query, and the graph parameters of the vector field, those pgvector's
     * indexes get ({@code lore.vector-index.m}, {@code ef-construction}).
     */
    public record Vectors(OpenSearchDenseSearch search, int m, int efConstruction) {
    }

    /** The vectors a collection's index should hold: {@code marker} is {@code <embedder>/<dimension>}. */
    private record Wanted(String marker, int dimension) {
    }

    private final DataSource dataSource;
    private final JdbcClient jdbc;
    private final JdbcTemplate streaming;
    private final TransactionTemplate snapshot;
    private final LexicalProperties properties;
    private final LexicalProperties.OpenSearch settings;
    private final OpenSearchClient client;
    private final JsonMapper json;
    private final String stateIndex;
    private final Pattern indexName;
    private final String heartbeatId;
    private final Analyzer analyzer = LuceneIndexes.englishAsPostgres();
    /** Null where dense search stays in PostgreSQL: the indexes then hold no vectors. */
    private final Vectors configured;
    /**
     * Whether the cluster serves the k-NN plugin, once it has said so: null until then (it may be starting, or out of
     * reach). Only a said yes puts vectors in the indexes: taking no answer for no would have the applier rebuild
     * every index without vectors, and an instance that asked later rebuild them back.
     */
    private volatile Boolean knn;
    private boolean knnUnanswered;
    private final Map<Long, Failure> failures = new ConcurrentHashMap<>();
    private final Set<Long> building = ConcurrentHashMap.newKeySet();
    /** The layout each generation was created with (from its {@code _meta}): it never changes. */
    private final Map<String, String> layouts = new ConcurrentHashMap<>();
    /** When this instance last wrote each collection's state (an idle one's position moves on at most this often). */
    private final Map<Long, Long> written = new ConcurrentHashMap<>();
    private volatile ScheduledExecutorService applier;
    private boolean stateIndexExists;
    private long lastHeartbeat;
    private long lastPrune;
    /** The lowest position of any index at the start of the pass under way: a rebuild's heartbeat stays below it. */
    private long passLowest;
    /** How long a failed index waits before it is tried again; tests shorten it. */
    volatile Duration retryAfter = RETRY_AFTER;

    public OpenSearchIndexes(DataSource dataSource, LexicalProperties properties, OpenSearchClient client,
            JsonMapper json) {
        this(dataSource, properties, client, json, null);
    }

    /** @param vectors dense search in the indexes too; null: lexical only */
    public OpenSearchIndexes(DataSource dataSource, LexicalProperties properties, OpenSearchClient client,
            JsonMapper json, Vectors vectors) {
        this.configured = vectors;
        this.dataSource = dataSource;
        this.jdbc = JdbcClient.create(dataSource);
        this.streaming = new JdbcTemplate(dataSource);
        // PostgreSQL's driver streams rows only inside a transaction and with a fetch size
        streaming.setFetchSize(1000);
        this.snapshot = new TransactionTemplate(new JdbcTransactionManager(dataSource));
        snapshot.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
        snapshot.setReadOnly(true);
        this.properties = properties;
        this.settings = properties.opensearch();
        this.client = client;
        this.json = json;
        this.stateIndex = settings.indexPrefix() + "-state";
        this.indexName = Pattern.compile(Pattern.quote(settings.indexPrefix()) + "-c(\\d+)-(\\d+)");
        // one row for the whole family of indexes, whichever instance applies the feed: the feed is pruned below it
        this.heartbeatId = "opensearch:" + settings.indexPrefix();
    }

    /** A client for the configured cluster, over HttpClient 5. */
    public static OpenSearchClient client(LexicalProperties.OpenSearch settings) {
        HttpHost[] hosts = settings.urls().stream()
                .map(url -> new HttpHost(url.getScheme(), url.getHost(), url.getPort() < 0 ? 9200 : url.getPort()))
                .toArray(HttpHost[]::new);
        ApacheHttpClient5TransportBuilder builder = ApacheHttpClient5TransportBuilder.builder(hosts)
                .setMapper(new JacksonJsonpMapper())
                .setRequestConfigCallback(request -> request.setResponseTimeout(Timeout.of(settings.timeout())));
        if (settings.username() != null && !settings.username().isBlank()) {
            builder.setHttpClientConfigCallback(http -> {
                BasicCredentialsProvider credentials = new BasicCredentialsProvider();
                char[] password = settings.password() == null ? new char[0] : settings.password().toCharArray();
                for (HttpHost host : hosts) {
                    credentials.setCredentials(new AuthScope(host),
                            new UsernamePasswordCredentials(settings.username(), password));
                }
                return http.setDefaultCredentialsProvider(credentials);
            });
        }
        return new OpenSearchClient(builder.build());
    }

    /** Applies the feed every {@code poll-interval} on a thread of its own until {@link #close()}. */
    public synchronized void start() {
        knnSettled();
        applier = LexicalFeed.applyEvery(properties, "lexical-opensearch", this::catchUp, log, "OpenSearch lexical indexes");
    }

    /**
     * One pass, if this instance holds the applier's lock (else it does nothing: another instance applies the
     * feed): builds, rebuilds or brings up to date the index of every collection, drops those of deleted
     * collections, records the indexes' lowest position for the feed's pruning, and prunes the feed. With dense
     * search here, it first asks the cluster whether it serves the k-NN plugin, until it has said.
     *
     * @return whether this instance held the lock and ran the pass
     */
    public synchronized boolean catchUp() {
        knnSettled();
        try (Connection lock = dataSource.getConnection()) {
            if (!advisory(lock, "pg_try_advisory_lock")) {
                return false;
            }
            try {
                pass();
                return true;
            }
            finally {
                advisory(lock, "pg_advisory_unlock");
            }
        }
        catch (SQLException e) {
            throw new org.springframework.dao.DataAccessResourceFailureException("applier lock: " + e.getMessage(), e);
        }
    }

    /**
     * Asks the cluster whether it serves the k-NN plugin, until it has said: at start-up and before each pass, so that
     * a cluster that starts after Lore (one compose file) or was out of reach for a while gets its vectors. Meanwhile
     * dense search stays in PostgreSQL and the indexes keep the vectors they hold ({@link #expected}).
     */
    private void knnSettled() {
        if (configured == null || knn != null) {
            return;
        }
        try {
            knn = configured.search().available();
            if (knn) {
                log.info("The OpenSearch cluster serves the k-NN plugin: dense search runs in the indexes");
            }
            else {
                log.warn("lore.retrieval.dense.engine is opensearch, but the cluster has no k-NN plugin API: dense "
                        + "search stays in PostgreSQL and the indexes hold words alone (asked again at the next "
                        + "start)");
            }
        }
        catch (IOException | RuntimeException e) {
            if (!knnUnanswered) {
                log.warn("The OpenSearch cluster could not be asked for its k-NN plugin ({}): dense search stays in "
                        + "PostgreSQL and the indexes keep the vectors they hold; asked again every poll interval",
                        e.toString());
                knnUnanswered = true;
            }
        }
    }

    /**
     * The vectors a collection's index should hold, given the collection's ({@code candidate}, null: none) and the
     * index's {@code state} (null: none yet): none where the cluster has said it has no k-NN plugin; while it has not
     * said, the index's own when they are the collection's, so that no answer never rebuilds an index only to drop
     * its vectors (an index that holds other vectors, or none, gets none until the cluster has said).
     */
    private Wanted expected(State state, Wanted candidate) {
        if (candidate == null || Boolean.FALSE.equals(knn)) {
            return null;
        }
        if (knn == null) {
            return state != null && candidate.marker().equals(state.vectors()) ? candidate : null;
        }
        return candidate;
    }

    /** The vectors' settings where the indexes hold vectors, else null. */
    private Vectors held() {
        return Boolean.TRUE.equals(knn) ? configured : null;
    }

    private boolean advisory(Connection connection, String function) throws SQLException {
        try (var statement = connection.prepareStatement("SELECT " + function + "(?, ?)")) {
            statement.setInt(1, LOCK_CLASS);
            statement.setInt(2, settings.indexPrefix().hashCode());
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private void pass() {
        long horizon = xmin();
        long floor = jdbc.sql("SELECT below FROM lexical_feed_floor").query(Long.class).single();
        Map<Long, Long> reindex = LexicalFeed.collections(jdbc);
        Map<Long, Wanted> wanted = candidates();
        Set<Long> collections = reindex.keySet();
        failures.keySet().retainAll(collections);
        written.keySet().retainAll(collections);
        Map<Long, State> states;
        try {
            ensureStateIndex();
            states = states(collections);
            sweep(collections, states);
        }
        catch (IOException | RuntimeException e) {
            if (e instanceof DataAccessException) {
                throw (RuntimeException) e;
            }
            throw new IllegalStateException("OpenSearch: " + e, e);
        }
        long lowest = lowest(states.values(), horizon);
        passLowest = lowest;
        Set<Long> changed = new HashSet<>(jdbc.sql(
                "SELECT DISTINCT collection_id FROM lexical_changes WHERE xid >= :lowest")
                .param("lowest", lowest).query(Long.class).list());
        for (long collectionId : collections) {
            Failure failure = failures.get(collectionId);
            if (failure != null && System.nanoTime() < failure.retryAt()) {
                continue;
            }
            State state = states.get(collectionId);
            try {
                long requested = reindex.get(collectionId);
                Wanted vectorsWanted = expected(state, wanted.get(collectionId));
                String marker = vectorsWanted == null ? null : vectorsWanted.marker();
                if (state == null || state.position() < floor || !LAYOUT.equals(layout(state.index()))
                        || state.reindex() < requested || !Objects.equals(state.vectors(), marker)) {
                    if (state != null && state.position() >= floor) {
                        if (state.reindex() < requested) {
                            log.info("OpenSearch index {} rebuilding on request", state.index());
                        }
                        else if (!Objects.equals(state.vectors(), marker)) {
                            log.info("OpenSearch index {} holds vectors {}, the collection's are {}: rebuilding it",
                                    state.index(), Objects.requireNonNullElse(state.vectors(), "(none)"),
                                    Objects.requireNonNullElse(marker, "(none: searched in PostgreSQL)"));
                        }
                        else {
                            log.info("OpenSearch index {} is of layout {}, not {}: rebuilding it", state.index(),
                                    layout(state.index()), LAYOUT);
                        }
                    }
                    state = rebuild(collectionId, state, Math.max(requested, state == null ? 0 : state.reindex()),
                            vectorsWanted);
                }
                else if (changed.contains(collectionId)) {
                    state = apply(collectionId, state, horizon);
                }
                else {
                    state = idle(collectionId, state, horizon);
                }
                states.put(collectionId, state);
                if (failures.remove(collectionId) != null) {
                    log.info("OpenSearch index of collection {} recovered", collectionId);
                }
            }
            catch (IOException | RuntimeException e) {
                if (e instanceof DataAccessException) {
                    // PostgreSQL, not the index: retried on the next pass
                    throw (RuntimeException) e;
                }
                fail(collectionId, e);
            }
        }
        if (System.nanoTime() - lastHeartbeat >= properties.heartbeatInterval().toNanos()) {
            heartbeat(lowest(states.values(), horizon));
        }
        if (System.nanoTime() - lastPrune >= PRUNE_INTERVAL.toNanos()) {
            LexicalFeed.prune(jdbc, properties);
            lastPrune = System.nanoTime();
        }
    }

    private static long lowest(Collection<State> states, long otherwise) {
        return states.stream().mapToLong(State::position).min().orElse(otherwise);
    }

    private void fail(long collectionId, Exception e) {
        String error = e.getClass().getSimpleName() + ": " + e.getMessage();
        Failure previous = failures.put(collectionId, new Failure(error, System.nanoTime() + retryAfter.toNanos()));
        if (previous == null || !previous.error().equals(error)) {
            log.warn("OpenSearch index of collection {} failed, lexical search uses SQL until it recovers: {}",
                    collectionId, error);
        }
    }

    /** Applies the collection's feed rows from the state's position on, as {@link LuceneIndexes} does. */
    private State apply(long collectionId, State state, long horizon) throws IOException {
        List<Change> rows = jdbc.sql("""
                SELECT id, xid, chunk_id FROM lexical_changes
                WHERE collection_id = :collection AND xid >= :from ORDER BY id LIMIT :limit""")
                .param("collection", collectionId).param("from", state.position())
                .param("limit", properties.rebuildAbove() + 1)
                .query((rs, n) -> new Change(rs.getLong(1), rs.getLong(2), rs.getObject(3, UUID.class))).list();
        if (rows.size() > properties.rebuildAbove()) {
            log.info("OpenSearch index of collection {} is more than {} changes behind: rebuilding it",
                    collectionId, properties.rebuildAbove());
            return rebuild(collectionId, state, state.reindex(), expected(state, candidate(collectionId)));
        }
        Set<UUID> changed = new LinkedHashSet<>();
        for (Change row : rows) {
            if (!state.applied(row.id())) {
                changed.add(row.chunkId());
            }
        }
        List<Long> above = rows.stream().filter(row -> row.xid() >= horizon).map(Change::id).sorted().toList();
        State next = new State(state.index(), Math.max(horizon, state.position()), above, LAYOUT, state.reindex(),
                state.vectors());
        if (!changed.isEmpty()) {
            Set<UUID> missing = new HashSet<>(changed);
            List<BulkOperation> operations = new ArrayList<>();
            boolean sameVectors = snapshot.execute(status -> {
                // the chunks' vectors and the marker of one snapshot: vectors re-embedded since the pass began are
                // not written into an index that says it holds the old ones (the next pass rebuilds it)
                if (!Objects.equals(state.vectors(), marker(expected(state, candidate(collectionId))))) {
                    return false;
                }
                jdbc.sql(chunks(state.vectors() != null) + " WHERE k.id = ANY(:ids) AND k.collection_id = :collection")
                        .param("ids", changed.toArray(UUID[]::new)).param("collection", collectionId)
                        .query((RowCallbackHandler) rs -> {
                            missing.remove(rs.getObject(1, UUID.class));
                            operations.add(indexOperation(state.index(), rs, state.vectors() != null));
                        });
                return true;
            });
            if (!sameVectors) {
                return state;
            }
            for (UUID gone : missing) {
                operations.add(BulkOperation.of(b -> b.delete(d -> d.index(state.index()).id(gone.toString()))));
            }
            // searchable before the state says so
            bulk(operations, Refresh.True);
        }
        if (!next.equals(state)) {
            writeState(collectionId, next);
        }
        return next;
    }

    /** A collection without feed rows above its position: its position moves on, written now and then. */
    private State idle(long collectionId, State state, long horizon) throws IOException {
        long last = written.getOrDefault(collectionId, 0L);
        if (state.position() < horizon && (last == 0 || System.nanoTime() - last >= IDLE_WRITE.toNanos())) {
            State next = new State(state.index(), horizon, List.of(), LAYOUT, state.reindex(), state.vectors());
            writeState(collectionId, next);
            return next;
        }
        return state;
    }

    /**
     * Indexes every chunk of the collection as of one snapshot, at the position of that snapshot's xmin, into a new
     * generation; the state then names it, and the previous generation (which answered searches until then) goes.
     */
    private State rebuild(long collectionId, State previous, long reindex, Wanted wanted) throws IOException {
        long started = System.nanoTime();
        String index = settings.indexPrefix() + "-c" + collectionId + "-" + System.currentTimeMillis();
        building.add(collectionId);
        boolean done = false;
        ScheduledExecutorService heartbeats = null;
        try {
            createIndex(index, collectionId, wanted);
            // a long rebuild must not let the feed be pruned past what it will need: its snapshot's xmin is at
            // least this one
            long before = xmin();
            long needed = Math.min(before, passLowest);
            heartbeat(needed);
            // the row alone from the heartbeat thread: lastHeartbeat belongs to the applier's thread
            heartbeats = LexicalFeed.heartbeatsDuring(properties,
                    () -> LexicalFeed.heartbeat(jdbc, heartbeatId, needed), "lexical-opensearch-rebuild", log);
            long[] rows = { 0 };
            State rebuilt = snapshot.execute(status -> {
                long xmin = xmin();
                if (wanted != null && !wanted.marker().equals(marker(candidate(collectionId)))) {
                    // re-embedded, or its dense search changed, since the pass began: the index's vector field
                    // would not fit; the next try reads the collection again
                    throw new IllegalStateException("the vectors of collection " + collectionId
                            + " changed while its index was created");
                }
                // the snapshot shows some transactions at or above its xmin committed: their rows are in the index
                List<Long> above = jdbc.sql("""
                        SELECT id FROM lexical_changes WHERE collection_id = :collection AND xid >= :xmin ORDER BY id""")
                        .param("collection", collectionId).param("xmin", xmin).query(Long.class).list();
                List<BulkOperation> batch = new ArrayList<>();
                streaming.query(chunks(wanted != null) + " WHERE k.collection_id = ?", (RowCallbackHandler) rs -> {
                    batch.add(indexOperation(index, rs, wanted != null));
                    rows[0]++;
                    if (batch.size() >= settings.bulkSize()) {
                        bulkQuietly(batch);
                    }
                }, collectionId);
                bulkQuietly(batch);
                return new State(index, xmin, above, LAYOUT, reindex, marker(wanted));
            });
            generic("POST", "/" + index + "/_refresh", null);
            writeState(collectionId, rebuilt);
            done = true;
            if (previous != null && !previous.index().equals(index)) {
                deleteIndexQuietly(previous.index());
            }
            log.info("OpenSearch index of collection {} rebuilt as {}: {} chunks{} in {} ms", collectionId, index,
                    rows[0], wanted == null ? "" : " with vectors " + wanted.marker(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            return rebuilt;
        }
        finally {
            building.remove(collectionId);
            if (heartbeats != null) {
                heartbeats.shutdownNow();
            }
            if (!done) {
                deleteIndexQuietly(index);
            }
        }
    }

    private void bulkQuietly(List<BulkOperation> batch) {
        try {
            bulk(batch, null);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        batch.clear();
    }

    private void bulk(List<BulkOperation> operations, Refresh refresh) throws IOException {
        if (operations.isEmpty()) {
            return;
        }
        BulkResponse response = client.bulk(b -> {
            b.operations(operations);
            if (refresh != null) {
                b.refresh(refresh);
            }
            return b;
        });
        if (response.errors()) {
            BulkResponseItem failed = response.items().stream().filter(item -> item.error() != null).findFirst()
                    .orElseThrow();
            throw new IllegalStateException("bulk write to " + failed.index() + " failed: "
                    + failed.error().type() + ": " + failed.error().reason());
        }
    }

    /**
     * A pgvector {@code vector} as text ({@code [0.1,-2,3e-05]}), as floats. Parsed here rather than by pgvector-java's
     * {@code PGvector(String)}: its type extends the JDBC driver's {@code PGobject}, and the driver is a runtime
     * dependency only.
     */
    static float[] vector(String text) {
        String inner = text.strip();
        if (inner.length() < 2 || inner.charAt(0) != '[' || inner.charAt(inner.length() - 1) != ']') {
            throw new IllegalArgumentException("not a vector: " + text);
        }
        String[] parts = inner.substring(1, inner.length() - 1).split(",");
        float[] vector = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            vector[i] = Float.parseFloat(parts[i]);
        }
        return vector;
    }

    private static String chunks(boolean withVectors) {
        return withVectors ? LuceneIndexes.chunks(", k.embedding::text AS embedding") : LuceneIndexes.CHUNKS;
    }

    private BulkOperation indexOperation(String index, ResultSet rs, boolean withVector) throws SQLException {
        String id = rs.getString("id");
        Map<String, Object> document = new LinkedHashMap<>();
        document.put(DOCUMENT, rs.getString("document_id"));
        document.put(SOURCE, rs.getString("source"));
        // one field, as PostgreSQL's full-text vector and the Lucene engine: title, headings and the document's
        // keywords, then the text
        String keywords = rs.getString("keywords");
        document.put(BODY, rs.getString("title") + " " + rs.getString("heading_path") + " "
                + (keywords == null ? "" : keywords) + "\n" + rs.getString("text"));
        if (withVector) {
            document.put(OpenSearchDenseSearch.EMBEDDING, vector(rs.getString("embedding")));
        }
        return BulkOperation.of(b -> b.index(i -> i.index(index).id(id).document(document)));
    }

    /**
     * A collection's index: English read as PostgreSQL's {@code english} configuration and the Lucene engine read it
     * (standard tokenizer, possessives, lower case, Snowball's stop list, Snowball's English stemmer), and BM25 with
     * the SQL engine's k1 and b, so that the three engines rank alike. Refreshed only when a pass has written (its
     * state is written after), not on a timer.
     */
    private void createIndex(String index, long collectionId, Wanted wanted) throws IOException {
        Map<String, Object> analysis = Map.of(
                "filter", Map.of(
                        "lore_possessive", Map.of("type", "stemmer", "language", "possessive_english"),
                        "lore_stop", Map.of("type", "stop", "stopwords", stopWords(), "ignore_case", true),
                        "lore_stemmer", Map.of("type", "snowball", "language", "English")),
                "analyzer", Map.of("lore_english", Map.of("type", "custom", "tokenizer", "standard",
                        "filter", List.of("lore_possessive", "lowercase", "lore_stop", "lore_stemmer"))));
        Map<String, Object> indexSettings = new LinkedHashMap<>(Map.of(
                "number_of_shards", settings.shards(),
                "number_of_replicas", settings.replicas(),
                "refresh_interval", "-1",
                "similarity", Map.of("default", Map.of("type", "BM25",
                        "k1", SqlLexicalSearch.BM25_K1, "b", SqlLexicalSearch.BM25_B)),
                "analysis", analysis));
        Map<String, Object> meta = new LinkedHashMap<>(Map.of("layout", LAYOUT, "collection", collectionId));
        // PostgreSQL holds the text and the vectors: the index keeps only what a rebuild or an operator needs back
        List<String> excluded = new ArrayList<>(List.of(BODY));
        Map<String, Object> properties = new LinkedHashMap<>(Map.of(
                DOCUMENT, Map.of("type", "keyword"),
                SOURCE, Map.of("type", "keyword"),
                BODY, Map.of("type", "text", "analyzer", "lore_english", "norms", true)));
        if (wanted != null) {
            indexSettings.putAll(OpenSearchDenseSearch.indexSettings());
            meta.put("vectors", wanted.marker());
            excluded.add(OpenSearchDenseSearch.EMBEDDING);
            properties.put(OpenSearchDenseSearch.EMBEDDING, OpenSearchDenseSearch.fieldMapping(wanted.dimension(),
                    configured.m(), configured.efConstruction()));
        }
        Map<String, Object> body = Map.of(
                "settings", Map.of("index", indexSettings),
                "mappings", Map.of(
                        "dynamic", "strict",
                        "_meta", meta,
                        "_source", Map.of("excludes", excluded),
                        "properties", properties));
        generic("PUT", "/" + index, json.writeValueAsString(body));
        layouts.put(index, LAYOUT);
    }

    /** Snowball's English stop list, as Lucene ships it (the Lucene engine reads the same file). */
    static List<String> stopWords() {
        try (var reader = new java.io.InputStreamReader(java.util.Objects.requireNonNull(
                SnowballFilter.class.getResourceAsStream("english_stop.txt")), StandardCharsets.UTF_8)) {
            CharArraySet words = WordlistLoader.getSnowballWordSet(reader);
            List<String> list = new ArrayList<>();
            for (Object word : words) {
                list.add(new String((char[]) word));
            }
            java.util.Collections.sort(list);
            return list;
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void ensureStateIndex() throws IOException {
        if (stateIndexExists) {
            return;
        }
        try (Response response = client.generic().execute(Requests.builder().method("HEAD")
                .endpoint("/" + stateIndex).build())) {
            if (response.getStatus() == 404) {
                generic("PUT", "/" + stateIndex, json.writeValueAsString(Map.of(
                        "settings", Map.of("index", Map.of("number_of_shards", 1,
                                "number_of_replicas", settings.replicas())),
                        "mappings", Map.of("dynamic", false))));
            }
        }
        stateIndexExists = true;
    }

    private Map<Long, State> states(Set<Long> collections) throws IOException {
        Map<Long, State> states = new HashMap<>();
        if (collections.isEmpty()) {
            return states;
        }
        List<String> ids = collections.stream().map(id -> "c" + id).toList();
        for (MultiGetResponseItem<State> item : client.mget(m -> m.index(stateIndex).ids(ids), State.class).docs()) {
            if (item.isResult() && item.result().found()) {
                states.put(Long.parseLong(item.result().id().substring(1)), item.result().source());
            }
        }
        return states;
    }

    /** The collection's state, read in real time; null where there is none (not built yet). */
    State state(long collectionId) throws IOException {
        try {
            var response = client.get(g -> g.index(stateIndex).id("c" + collectionId).realtime(true), State.class);
            return response.found() ? response.source() : null;
        }
        catch (OpenSearchException e) {
            if (e.status() == 404) {
                return null;
            }
            throw e;
        }
    }

    private void writeState(long collectionId, State state) throws IOException {
        client.index(i -> i.index(stateIndex).id("c" + collectionId).document(state));
        written.put(collectionId, System.nanoTime());
    }

    /**
     * Deletes the generations that no state names: those of deleted collections, and those a rebuild left behind
     * when it was cut short. Only the instance holding the applier's lock writes indexes, and it runs this between
     * its own writes, so no generation under construction is taken for a stray.
     */
    private void sweep(Set<Long> collections, Map<Long, State> states) throws IOException {
        String listing = generic("GET", "/_cat/indices/" + settings.indexPrefix() + "-c*?format=json&h=index", null);
        for (JsonNode row : json.readTree(listing)) {
            String index = row.path("index").asString();
            Matcher matcher = indexName.matcher(index);
            if (!matcher.matches()) {
                continue;
            }
            long collectionId = Long.parseLong(matcher.group(1));
            State state = states.get(collectionId);
            if (!collections.contains(collectionId)) {
                deleteIndexQuietly(index);
                client.delete(d -> d.index(stateIndex).id("c" + collectionId));
                log.info("OpenSearch index {} of deleted collection {} dropped", index, collectionId);
            }
            else if (state == null || !state.index().equals(index)) {
                deleteIndexQuietly(index);
                log.info("OpenSearch index {} no longer in use: dropped", index);
            }
        }
    }

    /** The layout a generation was created with, from its mapping's {@code _meta}; null if it is gone. */
    private String layout(String index) throws IOException {
        String known = layouts.get(index);
        if (known != null) {
            return known;
        }
        try (Response response = client.generic().execute(Requests.builder().method("GET")
                .endpoint("/" + index + "/_mapping").build())) {
            if (response.getStatus() == 404) {
                return null;
            }
            String body = bodyOf(response, "GET /" + index + "/_mapping");
            String layout = json.readTree(body).path(index).path("mappings").path("_meta").path("layout")
                    .asString("");
            layouts.put(index, layout);
            return layout;
        }
    }

    private void deleteIndexQuietly(String index) {
        try (Response response = client.generic().execute(Requests.builder().method("DELETE")
                .endpoint("/" + index).build())) {
            layouts.remove(index);
            if (response.getStatus() >= 300 && response.getStatus() != 404) {
                log.warn("Cannot delete OpenSearch index {}: HTTP {}", index, response.getStatus());
            }
        }
        catch (IOException | RuntimeException e) {
            log.warn("Cannot delete OpenSearch index {}: {}", index, e.toString());
        }
    }

    /** A request through the client's generic API (the typed one has no body-as-JSON index creation); its body. */
    private String generic(String method, String endpoint, String body) throws IOException {
        var request = Requests.builder().method(method).endpoint(endpoint);
        if (body != null) {
            request.json(body);
        }
        try (Response response = client.generic().execute(request.build())) {
            return bodyOf(response, method + " " + endpoint);
        }
    }

    private static String bodyOf(Response response, String what) {
        String body = response.getBody().map(Body::bodyAsString).orElse("");
        if (response.getStatus() >= 300) {
            throw new IllegalStateException(what + ": HTTP " + response.getStatus() + " " + body);
        }
        return body;
    }

    /**
     * The collection's best chunks for {@code query} from its index, or nothing where the index cannot answer
     * correctly now (not built, unreachable, or changes committed that it has not applied yet). {@code documents}:
     * only these documents (null: any).
     */
    public Optional<List<LexicalHit>> search(long collectionId, String query, Collection<String> sources,
            Collection<UUID> documents, int limit) {
        Optional<State> current = current(collectionId);
        if (current.isEmpty()) {
            return Optional.empty();
        }
        State state = current.get();
        Set<String> terms = LuceneIndexes.terms(analyzer, query);
        if (terms.isEmpty()) {
            return Optional.of(List.of());
        }
        // each distinct word once, scored by BM25, as in the other engines (a match query would count a repeated
        // word twice)
        List<Query> words = terms.stream()
                .map(term -> Query.of(q -> q.term(t -> t.field(BODY).value(FieldValue.of(term))))).toList();
        List<Query> filters = OpenSearchDenseSearch.filters(sources, documents);
        try {
            SearchResponse<Object> response = client.search(s -> {
                s.index(state.index()).size(limit).source(src -> src.fetch(false)).trackTotalHits(t -> t.enabled(false))
                        // beside filters, should clauses become optional: one word at least must match
                        .query(q -> q.bool(b -> b.should(words).filter(filters).minimumShouldMatch("1")));
                if (settings.shards() > 1) {
                    // each word's document frequency over the whole collection, not one shard's share
                    s.searchType(SearchType.DfsQueryThenFetch);
                }
                return s;
            }, Object.class);
            List<LexicalHit> hits = new ArrayList<>(response.hits().hits().size());
            for (Hit<Object> hit : response.hits().hits()) {
                // OpenSearch's BM25 keeps the constant (k1 + 1) of the numerator (its LegacyBM25Similarity), as the
                // SQL engine does and the Lucene engine puts back: a score reads the same whichever engine ran
                hits.add(new LexicalHit(UUID.fromString(hit.id()), hit.score()));
            }
            return Optional.of(hits);
        }
        catch (IOException | RuntimeException e) {
            log.warn("OpenSearch index {} could not be searched, using SQL: {}", state.index(), e.toString());
            return Optional.empty();
        }
    }

    /**
     * The collection's state where its index can answer correctly now (built, of this layout, and holding every
     * committed change of the collection), else nothing (also where the state cannot be read).
     */
    private Optional<State> current(long collectionId) {
        State state;
        try {
            state = state(collectionId);
        }
        catch (IOException | RuntimeException e) {
            log.warn("OpenSearch state of collection {} could not be read, using PostgreSQL: {}", collectionId,
                    e.toString());
            return Optional.empty();
        }
        if (state == null || !LAYOUT.equals(state.layout())) {
            return Optional.empty();
        }
        return LexicalFeed.behind(jdbc, collectionId, state.position(), applied(state)) ? Optional.empty()
                : Optional.of(state);
    }

    /**
     * Whether the indexes hold vectors (of the collections the k-NN plugin can search): dense search is configured
     * here and the cluster has said that it serves the k-NN plugin.
     */
    public boolean vectors() {
        return held() != null;
    }

    /**
     * The {@code limit} chunks of {@code collection} nearest to {@code query} by cosine from its index, or nothing
     * where the index cannot answer correctly now: no vectors here, a collection the k-NN plugin does not search
     * this way, an index behind the feed or holding other vectors than the collection's, or one that fails.
     * {@code documents}: only these documents (null: any).
     */
    public Optional<List<OpenSearchDenseSearch.Hit>> dense(CollectionRef collection, float[] query,
            Collection<String> sources, Collection<UUID> documents, int limit) {
        String marker = held() == null ? null
                : marker(candidate(collection.embedder(), collection.dimension(), collection.denseSearch()));
        if (marker == null || query.length != collection.dimension()) {
            return Optional.empty();
        }
        Optional<State> current = current(collection.id());
        if (current.isEmpty() || !marker.equals(current.get().vectors())) {
            return Optional.empty();
        }
        try {
            return Optional.of(configured.search().search(current.get().index(), query, sources, documents, limit));
        }
        catch (IOException | RuntimeException e) {
            log.warn("OpenSearch index {} could not be searched by vector, using PostgreSQL: {}",
                    current.get().index(), e.toString());
            return Optional.empty();
        }
    }

    /**
     * The vectors a collection's index would hold with the k-NN plugin, or null: no dense search here, or a
     * collection the plugin does not search this way.
     */
    private Wanted candidate(String embedder, int dimension, DenseSearch search) {
        if (configured == null || !OpenSearchDenseSearch.serves(search, dimension)) {
            return null;
        }
        return new Wanted(embedder + "/" + dimension, dimension);
    }

    private static String marker(Wanted wanted) {
        return wanted == null ? null : wanted.marker();
    }

    /** Each collection's {@link #candidate} (none for a collection absent from the map). */
    private Map<Long, Wanted> candidates() {
        Map<Long, Wanted> wanted = new HashMap<>();
        if (configured == null) {
            return wanted;
        }
        jdbc.sql("SELECT id, embedder, dimension, dense_search, dense_candidates FROM collections")
                .query((RowCallbackHandler) rs -> {
                    Wanted one = candidate(rs);
                    if (one != null) {
                        wanted.put(rs.getLong("id"), one);
                    }
                });
        return wanted;
    }

    /** The collection's {@link #candidate} now, read with the caller's transaction, if any. */
    private Wanted candidate(long collectionId) {
        if (configured == null) {
            return null;
        }
        // a list, not an Optional: a row can want no vectors (null)
        List<Wanted> rows = new ArrayList<>(1);
        jdbc.sql("SELECT embedder, dimension, dense_search, dense_candidates FROM collections WHERE id = :id")
                .param("id", collectionId).query((RowCallbackHandler) rs -> rows.add(candidate(rs)));
        return rows.isEmpty() ? null : rows.get(0);
    }

    /** The {@link #candidate} of the collection of the current row of a {@code collections} query. */
    private Wanted candidate(ResultSet rs) throws SQLException {
        return candidate(rs.getString("embedder"), rs.getInt("dimension"),
                DenseSearch.parse(rs.getString("dense_search"), rs.getObject("dense_candidates", Integer.class)));
    }

    private static Long[] applied(State state) {
        return state.appliedAbove() == null ? new Long[0] : state.appliedAbove().toArray(Long[]::new);
    }

    @Override
    public View of(long collectionId) {
        Failure failure = failures.get(collectionId);
        if (failure != null) {
            return new View("opensearch", "failed", null, null, null, failure.error());
        }
        State state;
        Long chunks;
        try {
            state = state(collectionId);
            chunks = state == null ? null : client.count(c -> c.index(state.index())).count();
        }
        catch (IOException | RuntimeException e) {
            return new View("opensearch", "failed", null, null, null, e.getClass().getSimpleName() + ": "
                    + e.getMessage());
        }
        if (state == null) {
            return new View("opensearch", building.contains(collectionId) ? "building" : "missing", null, null,
                    null, null);
        }
        if (building.contains(collectionId)) {
            return new View("opensearch", "building", chunks, null, null, null);
        }
        return LexicalFeed.view(jdbc, "opensearch", collectionId, state.position(), applied(state), chunks,
                state.reindex());
    }

    private long xmin() {
        return jdbc.sql("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint").query(Long.class).single();
    }

    private void heartbeat(long position) {
        LexicalFeed.heartbeat(jdbc, heartbeatId, position);
        lastHeartbeat = System.nanoTime();
    }

    /** Stops applying the feed (a pass under way is interrupted: the state it had not written is applied again). */
    @Override
    public void close() {
        ScheduledExecutorService running = applier;
        if (running != null) {
            running.shutdownNow();
        }
        try {
            client._transport().close();
        }
        catch (IOException | RuntimeException e) {
            log.debug("Closing the OpenSearch client", e);
        }
    }
}
