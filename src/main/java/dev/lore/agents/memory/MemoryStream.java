package dev.lore.agents.memory;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.pgvector.PGvector;

import dev.lore.agents.AgentsProperties;
import dev.lore.agents.ModelCalls;
import dev.lore.agents.ModelUse;
import dev.lore.models.Embedder;
import dev.lore.web.LoreException;
import dev.lore.web.ReadReplica;

/**
 * An agent's memory stream in PostgreSQL: stores memories (rating the importance of those that come without, all of
 * them in one call) and retrieves them with the paper's score in one statement that also marks them accessed.
 */
@Component
public class MemoryStream {

    /** What {@link #add} stored, and the summed importance since the agent's last reflection that it brought. */
    public record Added(List<StoredMemory> memories, double importanceSinceReflection) {
    }

    private static final String COLUMNS = """
            id, kind, text, importance, importance_from, created_at, last_accessed_at, evidence""";

    /** Which memories a retrieval scores: all of them, bounded pools, or whichever suits the stream's size. */
    public enum Candidates {
        AUTO, ALL, POOLS
    }

    /**
     * Whether the agent's row, read in the statement's own snapshot, admits a query of {@code :embedder} at
     * {@code :dimension} ({@link Recorded#admits}); every candidate is filtered by it. A swap to another model writes
     * the memories' vectors and the agent's embedder in one transaction, so the statement sees both before or both
     * after it: checked here, and not only by {@link #requireSameEmbedder} before the query is embedded, a swap
     * committed in between cannot make the statement compare vectors of two models. An agent that is gone admits,
     * and has no memories.
     */
    private static final String ADMITTED = """
            WITH admitted AS (
                SELECT NOT EXISTS (
                    SELECT 1 FROM agents a
                    WHERE a.id = :agent AND :hasQuery AND a.memory_count > 0
                      AND NOT (a.dimension = :dimension AND (a.embedder IS NULL OR a.embedder = :embedder))
                ) AS admitted
            ),
            """;

    /** Every memory the agent had at {@code :at} is a candidate; the bounds are the candidates' own. */
    private static final String ALL_CANDIDATES = ADMITTED + """
            candidates AS (
                SELECT %1$s
                FROM memories m
                WHERE m.agent_id = :agent AND m.created_at <= CAST(:at AS timestamp)
                  AND (SELECT admitted FROM admitted)
            ),
            raw AS (
                SELECT c.*, power(0.995, LEAST(c.hours, %2$d)) AS recency FROM candidates c
            ),
            bounded AS (
                SELECT r.*, min(r.recency) OVER all_of AS min_recency, max(r.recency) OVER all_of AS max_recency,
                       min(r.importance) OVER all_of AS min_importance,
                       max(r.importance) OVER all_of AS max_importance,
                       min(r.cosine) OVER all_of AS min_cosine, max(r.cosine) OVER all_of AS max_cosine
                FROM raw r
                WINDOW all_of AS ()
            ),
            """;

    /**
     * A large stream's candidates, each pool read from an index: the memories nearest the query (HNSW), and for
     * each importance level 1-10 its most recently accessed ones, which hold the memories that recency and
     * importance together rank highest. A lower level must be more recent to compete, so it gives fewer:
     * {@code :recentPerLevel} x ((wRecency + wImportance x level / 10) / (wRecency + wImportance))^2, every level
     * the same when importance has no weight. The recency and importance bounds are the whole stream's, read from
     * the indexes; the cosine bounds are the candidates' own (the least similar of all memories has no index). The
     * vector pool names the stream's dimension ({@code %1$d}) in its filter and its ordering, exactly as
     * {@link MemoryIndexes}' partial index of that dimension is defined, or the planner cannot use the index.
     */
    private static final String POOLED_CANDIDATES = ADMITTED + """
            pool AS (
                (SELECT id FROM memories WHERE agent_id = :agent AND created_at <= CAST(:at AS timestamp)
                   AND vector_dims(embedding) = %1$d
                 ORDER BY embedding::vector(%1$d) <=> CAST(:query AS vector(%1$d)) LIMIT :vectorPool)
                UNION
                SELECT recent.id FROM generate_series(1, 10) AS level CROSS JOIN LATERAL (
                    SELECT newest.id FROM (
                        SELECT id, last_accessed_at FROM memories
                        WHERE agent_id = :agent AND floor(importance) = level::float8
                          AND created_at <= CAST(:at AS timestamp)
                        ORDER BY last_accessed_at DESC LIMIT :recentPerLevel) newest
                    ORDER BY newest.last_accessed_at DESC
                    LIMIT ceil(:recentPerLevel * power(COALESCE((:wRecency + :wImportance * level / 10.0)
                                                                / NULLIF(:wRecency + :wImportance, 0), 1), 2))::int
                ) recent
            ),
            stream AS (
                SELECT (SELECT min(last_accessed_at) FROM memories
                        WHERE agent_id = :agent AND created_at <= CAST(:at AS timestamp)) AS oldest_access,
                       (SELECT max(last_accessed_at) FROM memories
                        WHERE agent_id = :agent AND created_at <= CAST(:at AS timestamp)) AS newest_access,
                       (SELECT min(importance)::float8 FROM memories
                        WHERE agent_id = :agent AND created_at <= CAST(:at AS timestamp)) AS least_important,
                       (SELECT max(importance)::float8 FROM memories
                        WHERE agent_id = :agent AND created_at <= CAST(:at AS timestamp)) AS most_important
            ),
            candidates AS (
                SELECT %2$s
                FROM memories m JOIN pool ON pool.id = m.id
                WHERE (SELECT admitted FROM admitted)
            ),
            raw AS (
                SELECT c.*, power(0.995, LEAST(c.hours, %3$d)) AS recency FROM candidates c
            ),
            bounded AS (
                SELECT r.*,
                       power(0.995, LEAST(GREATEST(EXTRACT(EPOCH FROM (CAST(:at AS timestamp) - s.oldest_access))
                                                   ::float8 / 3600, 0), %3$d)) AS min_recency,
                       power(0.995, LEAST(GREATEST(EXTRACT(EPOCH FROM (CAST(:at AS timestamp) - s.newest_access))
                                                   ::float8 / 3600, 0), %3$d)) AS max_recency,
                       s.least_important AS min_importance, s.most_important AS max_importance,
                       min(r.cosine) OVER () AS min_cosine, max(r.cosine) OVER () AS max_cosine
                FROM raw r CROSS JOIN stream s
            ),
            """;

    /** What each candidate's score starts from: hours since its last access at {@code :at}, and its cosine. */
    private static final String CANDIDATE_COLUMNS = """
            m.id, m.kind, m.text, m.importance::float8 AS importance, m.importance_from, m.created_at,
                       m.last_accessed_at, m.evidence,
                       GREATEST(EXTRACT(EPOCH FROM (CAST(:at AS timestamp) - m.last_accessed_at))::float8 / 3600, 0)
                           AS hours,
                       CASE WHEN :hasQuery THEN 1 - (m.embedding <=> CAST(:query AS vector)) END AS cosine""";

    /**
     * Hours past which recency stops decaying: PostgreSQL's {@code power(0.995, hours)} fails with "value out of
     * range: underflow" past about 148,000 hours (17 years), and one memory that old would fail every retrieval of
     * its agent. At 100,000 hours (11.4 years) recency is 1e-218, as forgotten as it gets after normalisation, and
     * older memories stay there: recency never grows with age, and never errs.
     */
    static final int RECENCY_HORIZON_HOURS = 100_000;

    /**
     * Generative agents' retrieval score (Park et al. 2023, section 4.1): recency = 0.995^(hours since last access,
     * at most {@link #RECENCY_HORIZON_HOURS}), importance as rated, relevance = cosine similarity; each min-max
     * normalised (a component that does not vary is 0.5 for all), the total their weighted sum. The top {@code :k}
     * get {@code :at} as their last access in the same statement; the response shows the values from before that
     * update (a statement sees one snapshot). There is always a row, which says whether the agent {@code admitted}
     * the query: without candidates, its memory's columns are null.
     */
    private static final String SCORE = """
            normalised AS (
                SELECT b.*,
                       COALESCE((b.recency - b.min_recency) / NULLIF(b.max_recency - b.min_recency, 0), 0.5)
                           AS n_recency,
                       COALESCE((b.importance - b.min_importance) / NULLIF(b.max_importance - b.min_importance, 0),
                                0.5) AS n_importance,
                       CASE WHEN :hasQuery THEN COALESCE((b.cosine - b.min_cosine)
                                                         / NULLIF(b.max_cosine - b.min_cosine, 0), 0.5) END
                           AS n_relevance
                FROM bounded b
            ),
            top AS (
                SELECT n.*, :wRecency * n.n_recency + :wImportance * n.n_importance
                            + :wRelevance * COALESCE(n.n_relevance, 0) AS total
                FROM normalised n
                ORDER BY total DESC, n.created_at DESC, n.id
                LIMIT :k
            )
            """;

    /** The ranked memories become accessed at {@code :at} in the ranking's own statement. */
    private static final String TOUCH = """
            , touched AS (
                UPDATE memories m SET last_accessed_at = GREATEST(m.last_accessed_at, CAST(:at AS timestamp))
                FROM top WHERE m.id = top.id
            )
            """;

    private static final String RESULT = """
            SELECT top.*, admitted.admitted FROM admitted LEFT JOIN top ON true
            ORDER BY top.total DESC, top.created_at DESC, top.id
            """;

    /** Marks memories ranked on a replica accessed, on the primary, as {@link #TOUCH} does in one statement. */
    private static final String MARK_ACCESSED = """
            UPDATE memories SET last_accessed_at = GREATEST(last_accessed_at, CAST(:at AS timestamp))
            WHERE id IN (:ids)""";

    static final String RETRIEVE_ALL = retrieveAll(true);

    private static String retrieveAll(boolean touch) {
        return ALL_CANDIDATES.formatted(CANDIDATE_COLUMNS, RECENCY_HORIZON_HOURS) + SCORE + (touch ? TOUCH : "")
                + RESULT;
    }

    /** Pooled retrieval for a stream of {@code dimension}-dimension vectors. */
    static String retrievePooled(int dimension) {
        return retrievePooled(dimension, true);
    }

    private static String retrievePooled(int dimension, boolean touch) {
        return POOLED_CANDIDATES.formatted(dimension, CANDIDATE_COLUMNS, RECENCY_HORIZON_HOURS) + SCORE
                + (touch ? TOUCH : "") + RESULT;
    }

    private final JdbcClient jdbc;
    private final ReadReplica reads;
    private final TransactionTemplate transactions;
    private final Embedder embedder;
    private final ImportanceRater rater;
    private final Clock clock;
    private final AgentsProperties properties;

    MemoryStream(JdbcClient jdbc, ReadReplica reads, TransactionTemplate transactions, Embedder embedder,
            ImportanceRater rater, Clock clock, AgentsProperties properties) {
        this.properties = properties;
        this.jdbc = jdbc;
        this.reads = reads;
        this.transactions = transactions;
        this.embedder = embedder;
        this.rater = rater;
        this.clock = clock;
    }

    /**
     * Stores memories in one transaction, after rating those without importance in as few model calls as the batch
     * size allows and embedding all texts at once; reflections do not count towards the next reflection.
     */
    public Added add(UUID agentId, List<NewMemory> memories, ModelUse use) {
        requireSameEmbedder(agentId);
        List<Integer> unrated = new ArrayList<>();
        for (int i = 0; i < memories.size(); i++) {
            if (memories.get(i).importance() == null) {
                unrated.add(i);
            }
        }
        List<ImportanceRater.Rating> ratings = unrated.isEmpty() ? List.of()
                : rater.rate(unrated.stream().map(i -> memories.get(i).text()).toList(), use);
        ImportanceRater.Rating[] byIndex = new ImportanceRater.Rating[memories.size()];
        for (int i = 0; i < unrated.size(); i++) {
            byIndex[unrated.get(i)] = ratings.get(i);
        }
        List<float[]> vectors = ModelCalls.embedDocuments(embedder,
                memories.stream().map(NewMemory::text).toList());
        return transactions.execute(status -> {
            takeEmbedder(agentId);
            List<StoredMemory> stored = new ArrayList<>();
            double counted = 0;
            for (int i = 0; i < memories.size(); i++) {
                NewMemory memory = memories.get(i);
                double importance = byIndex[i] == null ? memory.importance() : byIndex[i].value();
                String from = byIndex[i] == null ? memory.importanceFrom() : byIndex[i].from();
                UUID id = UUID.randomUUID();
                jdbc.sql("""
                        INSERT INTO memories (id, agent_id, kind, text, embedding, created_at, last_accessed_at,
                                              importance, importance_from, evidence, stored_at)
                        VALUES (:id, :agent, :kind, :text, :embedding, CAST(:at AS timestamp),
                                CAST(:at AS timestamp), :importance, :from, CAST(:evidence AS uuid[]), :now)
                        """)
                        .param("id", id).param("agent", agentId).param("kind", memory.kind().wireName())
                        .param("text", memory.text().strip()).param("embedding", new PGvector(vectors.get(i)))
                        .param("at", memory.at()).param("importance", importance).param("from", from)
                        .param("evidence", uuidArray(memory.evidence()))
                        .param("now", Timestamp.from(clock.instant()))
                        .update();
                stored.add(new StoredMemory(id, memory.kind(), memory.text().strip(), importance, from, memory.at(),
                        memory.at(), memory.evidence()));
                if (memory.kind() != MemoryKind.REFLECTION) {
                    counted += importance;
                }
            }
            Double since = jdbc.sql("""
                    UPDATE agents SET importance_since_reflection = importance_since_reflection + :counted,
                                      memory_count = memory_count + :added
                    WHERE id = :agent RETURNING importance_since_reflection::float8""")
                    .param("counted", counted).param("added", memories.size()).param("agent", agentId)
                    .query(Double.class).single();
            return new Added(stored, since);
        });
    }

    /**
     * The top {@code k} memories the agent had at {@code at} by the paper's score for {@code query} ({@code null}:
     * recency and importance only), which are marked as accessed at {@code at}: all memories are scored below
     * {@code lore.agents.exact-below} memories (or without a query), bounded candidate pools above.
     */
    public List<ScoredMemory> retrieve(UUID agentId, String query, int k, LocalDateTime at, Weights weights) {
        return retrieve(agentId, query, k, at, weights, Candidates.AUTO);
    }

    public List<ScoredMemory> retrieve(UUID agentId, String query, int k, LocalDateTime at, Weights weights,
            Candidates candidates) {
        return retrieve(agentId, query, k, at, weights, candidates, false);
    }

    /**
     * {@link #retrieve} for a caller that only reads (the API's and MCP's recall, not a simulation's step): with a
     * read replica configured, the ranking runs there as searches do (after its wait for the primary's commits), and
     * the ranked memories are marked accessed on the primary in a statement of their own. Two recalls at once may
     * then both rank by the access times from before either, which a step, deciding on what it recalls, must not.
     */
    public List<ScoredMemory> recall(UUID agentId, String query, int k, LocalDateTime at, Weights weights) {
        return retrieve(agentId, query, k, at, weights, Candidates.AUTO, reads.replicated());
    }

    private List<ScoredMemory> retrieve(UUID agentId, String query, int k, LocalDateTime at, Weights weights,
            Candidates candidates, boolean onReplica) {
        boolean hasQuery = query != null && !query.isBlank();
        Object vector = null;
        if (hasQuery) {
            requireSameEmbedder(agentId);
            vector = new PGvector(ModelCalls.embedQuery(embedder, query));
        }
        boolean pooled = hasQuery && (candidates == Candidates.POOLS
                || candidates == Candidates.AUTO && count(agentId) >= properties.exactBelow());
        JdbcClient ranking = onReplica ? reads.jdbc() : jdbc;
        Retrieved retrieved = ranking.sql(pooled ? retrievePooled(embedder.dimension(), !onReplica)
                : onReplica ? retrieveAll(false) : RETRIEVE_ALL)
                .param("agent", agentId).param("at", at).param("hasQuery", hasQuery).param("query", vector)
                .param("embedder", embedder.name()).param("dimension", embedder.dimension())
                .param("vectorPool", properties.vectorPool()).param("recentPerLevel", properties.recentPerLevel())
                .param("wRecency", weights.recency()).param("wImportance", weights.importance())
                .param("wRelevance", weights.relevance()).param("k", k)
                .query(MemoryStream::retrieved);
        if (!retrieved.admitted()) {
            // the agent moved to another model after the check above: refuse as that check would now
            requireSameEmbedder(agentId);
            throw LoreException.conflict("embedder-mismatch", "Embedder mismatch", "The memories of agent " + agentId
                    + " moved to another embedder while they were being ranked; ask again");
        }
        if (onReplica && !retrieved.memories().isEmpty()) {
            jdbc.sql(MARK_ACCESSED).param("at", at)
                    .param("ids", retrieved.memories().stream().map(scored -> scored.memory().id()).toList())
                    .update();
        }
        return retrieved.memories();
    }

    /** A retrieval's memories, and whether the agent's embedder admitted its query at all. */
    private record Retrieved(boolean admitted, List<ScoredMemory> memories) {
    }

    private static Retrieved retrieved(ResultSet rs) throws SQLException {
        boolean admitted = true;
        List<ScoredMemory> memories = new ArrayList<>();
        while (rs.next()) {
            admitted = rs.getBoolean("admitted");
            if (rs.getObject("id") != null) {
                memories.add(new ScoredMemory(memory(rs), new ScoredMemory.Scores(rs.getDouble("n_recency"),
                        rs.getDouble("n_importance"), nullableDouble(rs, "n_relevance"), rs.getDouble("total"),
                        new ScoredMemory.Raw(rs.getDouble("hours"), rs.getDouble("recency"),
                                rs.getDouble("importance"), nullableDouble(rs, "cosine")))));
            }
        }
        return new Retrieved(admitted, memories);
    }

    /**
     * The embedder that makes an agent's memories, as {@code GET /api/v1/agents/{id}} shows it; {@code name} is
     * {@code null} for an agent from before Lore recorded it, whose memories are of {@code dimension} only.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StreamEmbedder(String name, int dimension) {
    }

    /** The embedder an agent's memories were made by, as its row records it, and how many it has. */
    private record Recorded(UUID id, UUID simulation, String agent, String embedder, int dimension, long memories) {

        /**
         * Whether vectors of {@code name} at {@code size} may join this stream and be compared with its memories: an
         * empty stream takes any; an unrecorded embedder (an agent from before Lore kept them) any of its size.
         */
        boolean admits(String name, int size) {
            return memories == 0 || dimension == size && (embedder == null || embedder.equals(name));
        }

        String described() {
            return (embedder == null ? "an unrecorded embedder" : embedder) + " (" + dimension + " dimensions)";
        }
    }

    /**
     * Refuses, with a 409 that names both models, to store or query an agent's memories with an embedder other than
     * the one that made them: cosine between vectors of two models means nothing, even when their sizes agree.
     */
    public void requireSameEmbedder(UUID agentId) {
        jdbc.sql("SELECT id, simulation_id, name, embedder, dimension, memory_count FROM agents WHERE id = :agent")
                .param("agent", agentId).query(MemoryStream::recorded).optional()
                .ifPresent(this::requireAdmits);
    }

    /**
     * Inside the transaction that stores memories: records the instance's embedder as the agent's when its stream is
     * empty (or its embedder unrecorded and of the same size) and refuses otherwise, holding the agent's row lock to
     * the end of the transaction, so that two instances on different models cannot both start one stream.
     */
    private void takeEmbedder(UUID agentId) {
        jdbc.sql("""
                UPDATE agents
                SET embedder = CASE WHEN memory_count = 0 OR embedder IS NULL AND dimension = :dimension
                                    THEN :embedder ELSE embedder END,
                    dimension = CASE WHEN memory_count = 0 THEN :dimension ELSE dimension END
                WHERE id = :agent
                RETURNING id, simulation_id, name, embedder, dimension, memory_count""")
                .param("embedder", embedder.name()).param("dimension", embedder.dimension()).param("agent", agentId)
                .query(MemoryStream::recorded).optional().ifPresent(this::requireAdmits);
    }

    private void requireAdmits(Recorded stream) {
        if (!stream.admits(embedder.name(), embedder.dimension())) {
            throw LoreException.conflict("embedder-mismatch", "Embedder mismatch", "Agent '" + stream.agent()
                    + "' has " + stream.memories() + " memories embedded with " + stream.described()
                    + ", but this instance runs " + embedder.name() + " (" + embedder.dimension() + " dimensions),"
                    + " and vectors of two models are never compared: move its memories to " + embedder.name()
                    + " with POST /api/v1/agents/" + stream.id() + "/reembed (every agent of its simulation: POST"
                    + " /api/v1/simulations/" + stream.simulation() + "/reembed), or run the agent on an instance"
                    + " whose lore.models.embedder is " + (stream.embedder() == null ? "that model" : stream.embedder()));
        }
    }

    /** The embedder the agent's memories are made by, if the agent exists. */
    public StreamEmbedder embedder(UUID agentId) {
        return jdbc.sql("SELECT embedder, dimension FROM agents WHERE id = :agent").param("agent", agentId)
                .query((rs, row) -> new StreamEmbedder(rs.getString("embedder"), rs.getInt("dimension")))
                .optional().orElse(null);
    }

    private static Recorded recorded(ResultSet rs, int row) throws SQLException {
        return new Recorded(rs.getObject("id", UUID.class), rs.getObject("simulation_id", UUID.class),
                rs.getString("name"), rs.getString("embedder"), rs.getInt("dimension"),
                rs.getLong("memory_count"));
    }

    /** The agent's {@code limit} most recent memories up to {@code at}, newest first. */
    public List<StoredMemory> recent(UUID agentId, LocalDateTime at, int limit) {
        return jdbc.sql("SELECT " + COLUMNS + """
                 FROM memories WHERE agent_id = :agent AND created_at <= CAST(:at AS timestamp)
                ORDER BY created_at DESC, stored_at DESC LIMIT :limit""")
                .param("agent", agentId).param("at", at).param("limit", limit)
                .query((rs, row) -> memory(rs)).list();
    }

    /** Takes {@code amount} off the importance counted towards the agent's next reflection (never below zero). */
    public void reflected(UUID agentId, double amount) {
        jdbc.sql("""
                UPDATE agents SET importance_since_reflection = GREATEST(0, importance_since_reflection - :amount)
                WHERE id = :agent""").param("amount", amount).param("agent", agentId).update();
    }

    public double importanceSinceReflection(UUID agentId) {
        return jdbc.sql("SELECT importance_since_reflection::float8 FROM agents WHERE id = :agent")
                .param("agent", agentId).query(Double.class).optional().orElse(0.0);
    }

    /** How many memories the agent has, as kept on its row by every insert. */
    public long count(UUID agentId) {
        return jdbc.sql("SELECT memory_count FROM agents WHERE id = :agent").param("agent", agentId)
                .query(Long.class).optional().orElse(0L);
    }

    static StoredMemory memory(ResultSet rs) throws SQLException {
        return new StoredMemory(rs.getObject("id", UUID.class), MemoryKind.parse(rs.getString("kind")),
                rs.getString("text"), rs.getDouble("importance"), rs.getString("importance_from"),
                rs.getObject("created_at", LocalDateTime.class), rs.getObject("last_accessed_at", LocalDateTime.class),
                uuids(rs.getArray("evidence")));
    }

    private static List<UUID> uuids(Array array) throws SQLException {
        if (array == null) {
            return List.of();
        }
        Object[] values = (Object[]) array.getArray();
        return Arrays.stream(values).map(value -> value instanceof UUID uuid ? uuid : UUID.fromString(value.toString()))
                .toList();
    }

    private static String uuidArray(List<UUID> ids) {
        return ids.stream().map(UUID::toString).collect(Collectors.joining(",", "{", "}"));
    }

    private static Double nullableDouble(ResultSet rs, String column) throws SQLException {
        double value = rs.getDouble(column);
        return rs.wasNull() ? null : value;
    }
}
