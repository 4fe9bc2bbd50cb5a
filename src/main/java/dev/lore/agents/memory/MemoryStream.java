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

import com.pgvector.PGvector;

import dev.lore.agents.ModelUse;
import dev.lore.models.Embedder;

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

    /**
     * Generative agents' retrieval score (Park et al. 2023, section 4.1), over every memory the agent had at
     * {@code :at}: recency = 0.995^(hours since last access), importance as rated, relevance = cosine similarity;
     * each min-max normalised over the candidates (a component that does not vary is 0.5 for all), the total their
     * weighted sum. The top {@code :k} get {@code :at} as their last access in the same statement; the response
     * shows the values from before that update (every part of a statement sees one snapshot).
     */
    static final String RETRIEVE = """
            WITH candidates AS (
                SELECT m.id, m.kind, m.text, m.importance::float8 AS importance, m.importance_from, m.created_at,
                       m.last_accessed_at, m.evidence,
                       GREATEST(EXTRACT(EPOCH FROM (CAST(:at AS timestamp) - m.last_accessed_at))::float8 / 3600, 0)
                           AS hours,
                       CASE WHEN :hasQuery THEN 1 - (m.embedding <=> CAST(:query AS vector)) END AS cosine
                FROM memories m
                WHERE m.agent_id = :agent AND m.created_at <= CAST(:at AS timestamp)
            ),
            raw AS (
                SELECT c.*, power(0.995, c.hours) AS recency FROM candidates c
            ),
            normalised AS (
                SELECT r.*,
                       COALESCE((r.recency - min(r.recency) OVER all_of)
                                / NULLIF(max(r.recency) OVER all_of - min(r.recency) OVER all_of, 0), 0.5)
                           AS n_recency,
                       COALESCE((r.importance - min(r.importance) OVER all_of)
                                / NULLIF(max(r.importance) OVER all_of - min(r.importance) OVER all_of, 0), 0.5)
                           AS n_importance,
                       CASE WHEN :hasQuery THEN COALESCE((r.cosine - min(r.cosine) OVER all_of)
                                / NULLIF(max(r.cosine) OVER all_of - min(r.cosine) OVER all_of, 0), 0.5) END
                           AS n_relevance
                FROM raw r
                WINDOW all_of AS ()
            ),
            top AS (
                SELECT n.*, :wRecency * n.n_recency + :wImportance * n.n_importance
                            + :wRelevance * COALESCE(n.n_relevance, 0) AS total
                FROM normalised n
                ORDER BY total DESC, n.created_at DESC, n.id
                LIMIT :k
            ),
            touched AS (
                UPDATE memories m SET last_accessed_at = GREATEST(m.last_accessed_at, CAST(:at AS timestamp))
                FROM top WHERE m.id = top.id
            )
            SELECT * FROM top ORDER BY total DESC, created_at DESC, id
            """;

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final Embedder embedder;
    private final ImportanceRater rater;
    private final Clock clock;

    MemoryStream(JdbcClient jdbc, TransactionTemplate transactions, Embedder embedder, ImportanceRater rater,
            Clock clock) {
        this.jdbc = jdbc;
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
        List<float[]> vectors = embedder.embedDocuments(memories.stream().map(NewMemory::text).toList());
        return transactions.execute(status -> {
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
                    UPDATE agents SET importance_since_reflection = importance_since_reflection + :counted
                    WHERE id = :agent RETURNING importance_since_reflection::float8""")
                    .param("counted", counted).param("agent", agentId).query(Double.class).single();
            return new Added(stored, since);
        });
    }

    /**
     * The top {@code k} memories the agent had at {@code at} by the paper's score for {@code query} ({@code null}:
     * recency and importance only), which are marked as accessed at {@code at}.
     */
    public List<ScoredMemory> retrieve(UUID agentId, String query, int k, LocalDateTime at, Weights weights) {
        boolean hasQuery = query != null && !query.isBlank();
        Object vector = null;
        if (hasQuery) {
            vector = new PGvector(embedder.embedQuery(query));
        }
        return jdbc.sql(RETRIEVE)
                .param("agent", agentId).param("at", at).param("hasQuery", hasQuery).param("query", vector)
                .param("wRecency", weights.recency()).param("wImportance", weights.importance())
                .param("wRelevance", weights.relevance()).param("k", k)
                .query((rs, row) -> new ScoredMemory(memory(rs), new ScoredMemory.Scores(
                        rs.getDouble("n_recency"), rs.getDouble("n_importance"), nullableDouble(rs, "n_relevance"),
                        rs.getDouble("total"), new ScoredMemory.Raw(rs.getDouble("hours"), rs.getDouble("recency"),
                                rs.getDouble("importance"), nullableDouble(rs, "cosine")))))
                .list();
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

    public long count(UUID agentId) {
        return jdbc.sql("SELECT count(*) FROM memories WHERE agent_id = :agent").param("agent", agentId)
                .query(Long.class).single();
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
