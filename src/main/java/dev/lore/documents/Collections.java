package dev.lore.documents;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

import dev.lore.models.Embedder;
import dev.lore.security.Caller;
import dev.lore.security.CurrentCaller;
import dev.lore.web.LoreException;
import dev.lore.web.ReadReplica;

/** Creates and finds collections, and decides what the current caller may see and change in them. */
@Service
public class Collections {

    private static final Logger log = LoggerFactory.getLogger(Collections.class);

    private final JdbcClient jdbc;
    private final JdbcClient reads;
    private final CurrentCaller caller;
    private final Embedder embedder;
    private final Clock clock;
    private final VectorIndexes vectorIndexes;
    private final VectorIndexProperties indexProperties;
    private final ObjectProvider<LexicalIndexStatus> lexicalIndexes;
    private final ObjectProvider<DenseEngine> denseEngines;
    private final TransactionTemplate transactions;

    Collections(JdbcClient jdbc, ReadReplica reads, CurrentCaller caller, Embedder embedder, Clock clock, VectorIndexes vectorIndexes,
            VectorIndexProperties indexProperties,
            ObjectProvider<LexicalIndexStatus> lexicalIndexes, ObjectProvider<DenseEngine> denseEngines,
            TransactionTemplate transactions) {
        this.lexicalIndexes = lexicalIndexes;
        this.denseEngines = denseEngines;
        this.transactions = transactions;
        this.jdbc = jdbc;
        this.reads = reads.jdbc();
        this.indexProperties = indexProperties;
        this.vectorIndexes = vectorIndexes;
        this.caller = caller;
        this.embedder = embedder;
        this.clock = clock;
    }

    record Created(String name, String description, Instant createdAt, String embedder, int dimension,
            DenseSearchView denseSearch) {
    }

    /**
     * {@code vectorIndex}: whether dense search walks the collection's graph yet (see {@link VectorIndexes.State});
     * {@code denseSearch}: how it searches; {@code lexicalIndex} (one collection's view only): how this instance
     * serves its lexical search (see {@link LexicalIndexStatus.View}).
     */
    public record Summary(String name, String description, long documents, long chunks, String embedder, int dimension,
            Instant createdAt, VectorIndexes.State vectorIndex, DenseSearchView denseSearch,
            @JsonInclude(JsonInclude.Include.NON_NULL)
            LexicalIndexStatus.View lexicalIndex) {
    }

    /**
     * A collection's dense search as the API shows it: the mode and, for the two-stage modes, how many candidates
     * the first stage passes on ({@code candidatesDefault}: Lore's default, not the collection's own setting);
     * {@code engine}: what answers it in this instance (see {@link DenseEngine}).
     */
    public record DenseSearchView(String mode, Integer candidates, boolean candidatesDefault, String engine) {
    }

    DenseSearchView view(DenseSearch search, int dimension) {
        DenseEngine engines = denseEngines.getIfAvailable();
        String engine = engines == null ? "postgres" : engines.of(search, dimension);
        if (!search.twoStage()) {
            return new DenseSearchView(search.text(), null, search.candidates() == null, engine);
        }
        return new DenseSearchView(search.text(),
                search.candidates() == null ? indexProperties.candidates() : search.candidates(),
                search.candidates() == null, engine);
    }

    /** Checks a requested dense search against this instance's embedder: 400 naming what does not fit. */
    DenseSearch checked(String mode, Integer candidates) {
        DenseSearch search = DenseSearch.parse(mode, candidates);
        search.checkFor(embedder.name(), embedder.dimension(), embedder.matryoshka());
        return search;
    }

    /**
     * A dense search setting read and checked for an existing collection: a prefix mode needs the collection's
     * vectors to come from this instance's embedder, marked Matryoshka, and to be longer than the prefix (400).
     */
    public DenseSearch checked(CollectionRef collection, String mode, Integer candidates) {
        DenseSearch search = DenseSearch.parse(mode, candidates);
        search.checkFor(collection.embedder(), collection.dimension(),
                collection.embedder().equals(embedder.name()) && embedder.matryoshka());
        return search;
    }

    @Transactional
    Created create(String name, String description) {
        return create(name, description, DenseSearch.FULL);
    }

    @Transactional
    Created create(String name, String description, DenseSearch denseSearch) {
        checkName(name);
        Caller current = caller.get();
        if (!current.canWrite(name)) {
            throw current.canSee(name) ? LoreException.forbidden("This key may not create collection '" + name + "'")
                    : LoreException.forbidden("This key may only create the collections it is given with 'write'");
        }
        OffsetDateTime now = OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
        int inserted = jdbc.sql("""
                INSERT INTO collections (name, description, embedder, dimension, created_at, dense_search,
                    dense_candidates)
                VALUES (:name, :description, :embedder, :dimension, :now, :dense, :candidates)
                ON CONFLICT (name) DO NOTHING""")
                .param("name", name).param("description", description == null ? "" : description)
                .param("embedder", embedder.name()).param("dimension", embedder.dimension()).param("now", now)
                .param("dense", denseSearch.text()).param("candidates", denseSearch.candidates())
                .update();
        if (inserted == 0) {
            throw LoreException.conflict("collection-exists", "Collection exists",
                    "A collection named '" + name + "' already exists");
        }
        return new Created(name, description == null ? "" : description, now.toInstant(), embedder.name(),
                embedder.dimension(), view(denseSearch, embedder.dimension()));
    }

    /**
     * Changes how the collection's dense search runs (a key that may write to it); {@link VectorIndexes} builds the
     * new mode's index, and until it is ready the same statement runs without one (exactly, and slower).
     */
    @Transactional
    Summary changeDenseSearch(String name, String mode, Integer candidates) {
        CollectionRef collection = writable(name);
        DenseSearch denseSearch = checked(collection, mode, candidates);
        jdbc.sql("UPDATE collections SET dense_search = :dense, dense_candidates = :candidates WHERE id = :id")
                .param("dense", denseSearch.text()).param("candidates", denseSearch.candidates())
                .param("id", collection.id()).update();
        vectorIndexes.wake();
        return get(name);
    }

    /**
     * A request to rebuild the collection's lexical indexes from its chunks (a key that may write to it): every
     * instance's Lucene index, or the shared OpenSearch index, rebuilds once, whichever instance took the request;
     * searches are answered by the old index, or by SQL, until the new one is swapped in. {@code request}: the
     * collection's count of such requests, which an index records when it is built; {@code lexicalIndex}: how this
     * instance serves the collection's lexical search now ({@code rebuilding} until its index has the request), none
     * with the SQL engine, which has nothing to rebuild.
     */
    public record ReindexRequested(String collection, long request, Instant requestedAt,
            LexicalIndexStatus.View lexicalIndex) {
    }

    /**
     * Not a transaction of its own: the one statement commits before the view is read, which the engine reads, with
     * the request count, on a connection of its own.
     */
    ReindexRequested requestReindex(String name) {
        CollectionRef collection = writable(name);
        ReindexRequested requested = jdbc.sql("""
                UPDATE collections SET lexical_reindex = lexical_reindex + 1, lexical_reindex_at = now()
                WHERE id = :id RETURNING lexical_reindex, lexical_reindex_at""")
                .param("id", collection.id())
                .query((rs, n) -> new ReindexRequested(name, rs.getLong(1),
                        rs.getObject(2, OffsetDateTime.class).toInstant(), null))
                .single();
        log.info("Lexical reindex {} of collection '{}' requested", requested.request(), name);
        LexicalIndexStatus status = lexicalIndexes.getIfAvailable();
        return status == null ? requested : new ReindexRequested(name, requested.request(), requested.requestedAt(),
                status.of(collection.id()));
    }

    /** The collections the current caller may see, by name. */
    public List<Summary> list() {
        Caller current = caller.get();
        return summaries(reads, "TRUE", null).stream().filter(c -> current.canSee(c.name())).toList();
    }

    /** One collection the caller may see (404 otherwise). */
    Summary get(String name) {
        CollectionRef collection = visible(name);
        Summary summary = summaries(jdbc, "c.name = :name", name).get(0);
        LexicalIndexStatus status = lexicalIndexes.getIfAvailable();
        return status == null ? summary : new Summary(summary.name(), summary.description(), summary.documents(),
                summary.chunks(), summary.embedder(), summary.dimension(), summary.createdAt(), summary.vectorIndex(),
                summary.denseSearch(), status.of(collection.id()));
    }

    /** {@code get} reads the primary: it answers a create inside the creating transaction. */
    private List<Summary> summaries(JdbcClient jdbc, String where, String name) {
        var indexes = vectorIndexes.states();
        return jdbc.sql("""
                SELECT c.id, c.name, c.description, c.embedder, c.dimension, c.created_at, c.chunk_count AS chunks,
                       c.dense_search, c.dense_candidates,
                       (SELECT count(*) FROM documents d WHERE d.collection_id = c.id) AS documents
                FROM collections c WHERE %s ORDER BY c.name""".formatted(where))
                .param("name", name)
                .query((rs, n) -> new Summary(rs.getString("name"), rs.getString("description"),
                        rs.getLong("documents"), rs.getLong("chunks"), rs.getString("embedder"),
                        rs.getInt("dimension"), rs.getObject("created_at", OffsetDateTime.class).toInstant(),
                        indexes.getOrDefault(rs.getLong("id"), VectorIndexes.State.exact),
                        view(denseSearch(rs), rs.getInt("dimension")), null))
                .list();
    }

    /**
     * Deletes the collection and everything in it (an administrator), in one transaction, tried up to three times
     * when PostgreSQL picks it as a deadlock's loser: a rechunking batch being staged holds its job row and then
     * refers to the documents, which the delete locks before it reaches the job row, and the swap takes the
     * documents before the job row, so no single order of the delete's locks avoids both. The job's transaction is
     * short; once it has ended, the delete goes through.
     */
    void delete(String name) {
        for (int attempt = 1;; attempt++) {
            try {
                transactions.executeWithoutResult(status -> deleteOnce(name));
                return;
            }
            catch (PessimisticLockingFailureException e) {
                if (attempt == 3) {
                    throw e;
                }
                log.info("Deleting collection '{}' met a deadlock with a job's transaction; trying again", name);
            }
        }
    }

    private void deleteOnce(String name) {
        CollectionRef collection = visible(name);
        if (!caller.get().admin()) {
            throw LoreException.forbidden("Only an administrator may delete collection '" + name + "'");
        }
        // the documents first, in id order, then the collection row (the delete): the order in which a document's
        // deletion and a rechunking's swap take them. Deleting the row first and its documents by cascade took them
        // the other way round and deadlocked with a swap under way.
        jdbc.sql("SELECT id FROM documents WHERE collection_id = :id ORDER BY id FOR UPDATE")
                .param("id", collection.id()).query(UUID.class).list();
        jdbc.sql("DELETE FROM collections WHERE id = :id").param("id", collection.id()).update();
    }

    /** The collection, if the caller may read it; 404 when it may not even see it, 403 when it may only write. */
    public CollectionRef readable(String name) {
        CollectionRef collection = visible(name);
        if (!caller.get().canRead(name)) {
            throw LoreException.forbidden("This key may write to '" + name + "' but not read it");
        }
        return collection;
    }

    /** Whether the caller holds any permission on the named collection (that it exists is not checked). */
    boolean isVisible(String name) {
        return name != null && caller.get().canSee(name);
    }

    /** The collection, if the caller holds any permission on it. */
    public CollectionRef visible(String name) {
        if (name == null || !caller.get().canSee(name)) {
            throw CollectionNotFound.named(String.valueOf(name));
        }
        return find(name).orElseThrow(() -> CollectionNotFound.named(name));
    }

    /** The collection, if the caller may write to it; 404 when it may not even see it, 403 when it may only read. */
    public CollectionRef writable(String name) {
        CollectionRef collection = visible(name);
        if (!caller.get().canWrite(name)) {
            throw LoreException.forbidden("This key may read '" + name + "' but not change it");
        }
        return collection;
    }

    /** Whether this instance's embedder produced the collection's vectors; vectors of two models never mix. */
    public void checkEmbedder(CollectionRef collection) {
        if (!collection.embedder().equals(embedder.name())) {
            throw LoreException.conflict("embedder-mismatch", "Embedder mismatch",
                    "Collection '" + collection.name() + "' was embedded with " + collection.embedder()
                            + " but this instance runs " + embedder.name() + "; re-embed it or switch models");
        }
    }

    Optional<CollectionRef> find(String name) {
        return jdbc.sql("""
                SELECT id, name, embedder, dimension, dense_search, dense_candidates FROM collections
                WHERE name = :name""")
                .param("name", name)
                .query((rs, n) -> new CollectionRef(rs.getLong("id"), rs.getString("name"), rs.getString("embedder"),
                        rs.getInt("dimension"), denseSearch(rs)))
                .optional();
    }

    static DenseSearch denseSearch(java.sql.ResultSet rs) throws java.sql.SQLException {
        return DenseSearch.parse(rs.getString("dense_search"), rs.getObject("dense_candidates", Integer.class));
    }

    Optional<String> nameOf(long id) {
        return jdbc.sql("SELECT name FROM collections WHERE id = :id").param("id", id).query(String.class).optional();
    }

    static void checkName(String name) {
        if (name == null || !Caller.COLLECTION_NAME.matcher(name).matches()) {
            throw LoreException.badRequest("invalid-collection-name", "Invalid collection name",
                    "A collection name is 1-63 characters of a-z, 0-9, '-' and '_', starting with a letter or digit");
        }
    }
}
