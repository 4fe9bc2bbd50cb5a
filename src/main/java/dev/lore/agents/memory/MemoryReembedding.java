package dev.lore.agents.memory;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import com.pgvector.PGvector;

import dev.lore.agents.AgentNotFound;
import dev.lore.models.Embedder;
import dev.lore.web.LoreException;

/**
 * Moves an agent's memories to the embedder this instance runs, the way documents' re-embedding moves a collection:
 * the new vectors are staged beside the old ones ({@code memories.staged_embedding}) in short transactions, a batch at
 * a time, so that a request that dies leaves its progress and the next one goes on from there; then they are swapped
 * in, together with the agent's embedder, in one transaction that holds the agent's row, which every insert of
 * memories takes too. Retrieval therefore sees the old vectors with the old embedder or the new ones with the new,
 * never a mix; memories stored meanwhile by an instance still on the old model are staged outside the lock as well,
 * and the swap embeds at most one batch of late ones itself.
 */
@Component
public class MemoryReembedding {

    private static final Logger log = LoggerFactory.getLogger(MemoryReembedding.class);

    /** Memories embedded per call and staged per transaction; at most this many are embedded under the lock. */
    static final int BATCH = 64;

    /** How many times a re-embedding stages what arrived and tries the swap again before it gives up. */
    static final int ROUNDS = 5;

    private static final Duration RETRY_AFTER = Duration.ofSeconds(30);

    /** What a re-embedding did: the embedder before and after, and how many memories it embedded again. */
    public record Moved(UUID agent, MemoryStream.StreamEmbedder from, MemoryStream.StreamEmbedder to,
            long memories) {
    }

    private record Pending(UUID id, String text) {
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final Embedder embedder;
    private final MemoryStream stream;

    MemoryReembedding(JdbcClient jdbc, TransactionTemplate transactions, Embedder embedder, MemoryStream stream) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.embedder = embedder;
        this.stream = stream;
    }

    /** Moves the agent's memories to this instance's embedder; an agent already on it is left as it is. */
    public Moved reembed(UUID agentId) {
        MemoryStream.StreamEmbedder from = stream.embedder(agentId);
        if (from == null) {
            throw AgentNotFound.withId(agentId);
        }
        MemoryStream.StreamEmbedder to = new MemoryStream.StreamEmbedder(embedder.name(), embedder.dimension());
        if (to.equals(from)) {
            return new Moved(agentId, from, to, 0);
        }
        transactions.executeWithoutResult(tx -> {
            // vectors staged for another model (by an instance that runs it) are of no use to this one
            int retargeted = jdbc.sql("""
                    UPDATE agents SET staged_embedder = :embedder, staged_dimension = :dimension
                    WHERE id = :agent AND (staged_embedder IS DISTINCT FROM :embedder
                                           OR staged_dimension IS DISTINCT FROM :dimension)""")
                    .param("embedder", to.name()).param("dimension", to.dimension()).param("agent", agentId)
                    .update();
            if (retargeted > 0) {
                jdbc.sql("UPDATE memories SET staged_embedding = NULL WHERE agent_id = :agent"
                        + " AND staged_embedding IS NOT NULL").param("agent", agentId).update();
            }
        });
        long staged = 0;
        for (int round = 0; round < ROUNDS; round++) {
            List<Pending> batch;
            while (!(batch = pending(agentId, BATCH)).isEmpty()) {
                List<float[]> vectors = embedder.embedDocuments(batch.stream().map(Pending::text).toList());
                List<Pending> embedded = batch;
                Integer done = transactions.execute(tx -> stage(agentId, to, embedded, vectors));
                staged += done == null ? 0 : done;
            }
            Long moved = transactions.execute(tx -> swap(agentId, to));
            if (moved != null) {
                log.info("Memories of agent {} re-embedded from {} to {}: {} staged, {} swapped", agentId,
                        from.name(), to.name(), staged, moved);
                return new Moved(agentId, from, to, moved);
            }
        }
        throw LoreException.unavailable("reembedding-outpaced", "Re-embedding outpaced", "Memories of agent "
                + agentId + " kept arriving faster than they could be embedded: " + ROUNDS + " times more than "
                + BATCH + " arrived between staging and the swap; what is staged is kept, so re-embed again when the"
                + " agent's simulation is quieter", RETRY_AFTER);
    }

    /**
     * Under the agent's row lock, which storing memories takes too: stages what is still unstaged (memories stored
     * since by an instance on the old model), then puts every staged vector in place and records the new embedder.
     * Every write to the agent's memories waits meanwhile, so the lock is held for at most one batch's embedding:
     * with more unstaged than that it stages nothing and answers {@code null}, and the caller stages them outside
     * the lock and comes back.
     */
    Long swap(UUID agentId, MemoryStream.StreamEmbedder to) {
        boolean ours = jdbc.sql("""
                SELECT COALESCE(staged_embedder = :embedder AND staged_dimension = :dimension, false) FROM agents
                WHERE id = :agent FOR UPDATE""")
                .param("embedder", to.name()).param("dimension", to.dimension()).param("agent", agentId)
                .query(Boolean.class).optional().orElse(false);
        if (!ours) {
            MemoryStream.StreamEmbedder now = stream.embedder(agentId);
            if (to.equals(now)) {
                return 0L; // another request finished the same move first
            }
            throw superseded(agentId);
        }
        // a vector of another size was not made by this model, whatever the agent says: embed that memory again
        jdbc.sql("""
                UPDATE memories SET staged_embedding = NULL
                WHERE agent_id = :agent AND staged_embedding IS NOT NULL
                  AND vector_dims(staged_embedding) <> :dimension""")
                .param("agent", agentId).param("dimension", to.dimension()).update();
        List<Pending> late = pending(agentId, BATCH + 1);
        if (late.size() > BATCH) {
            return null;
        }
        if (!late.isEmpty()) {
            stage(agentId, to, late, embedder.embedDocuments(late.stream().map(Pending::text).toList()));
        }
        int moved = jdbc.sql("""
                UPDATE memories SET embedding = staged_embedding, staged_embedding = NULL
                WHERE agent_id = :agent AND staged_embedding IS NOT NULL
                  AND vector_dims(staged_embedding) = :dimension""")
                .param("agent", agentId).param("dimension", to.dimension()).update();
        jdbc.sql("""
                UPDATE agents SET embedder = :embedder, dimension = :dimension, staged_embedder = NULL,
                                  staged_dimension = NULL
                WHERE id = :agent""")
                .param("embedder", to.name()).param("dimension", to.dimension()).param("agent", agentId).update();
        return (long) moved;
    }

    private List<Pending> pending(UUID agentId, int limit) {
        return jdbc.sql("""
                SELECT id, text FROM memories WHERE agent_id = :agent AND staged_embedding IS NULL
                ORDER BY id LIMIT :limit""")
                .param("agent", agentId).param("limit", limit)
                .query((rs, row) -> new Pending(rs.getObject("id", UUID.class), rs.getString("text"))).list();
    }

    private static LoreException superseded(UUID agentId) {
        return LoreException.conflict("reembedding-superseded", "Re-embedding superseded", "Another instance began"
                + " moving the memories of agent " + agentId + " to another embedder meanwhile; re-embed again on"
                + " the instance whose model the agent should keep");
    }

    /**
     * Stages the vectors as long as the agent is still being moved to {@code to}, else throws superseded; returns how
     * many it staged. It holds the agent's row FOR SHARE to the end of the caller's transaction: a retarget to
     * another model (an UPDATE of that row) waits for stagers in flight and then drops what they staged, and a
     * stager that comes after it finds the row no longer names {@code to} and stages nothing. Without the lock a
     * statement that read the row before the retarget committed would still write this model's vectors, the
     * retarget's clearing would miss them, and the other model's swap would put them in place.
     */
    private int stage(UUID agentId, MemoryStream.StreamEmbedder to, List<Pending> memories, List<float[]> vectors) {
        boolean ours = jdbc.sql("""
                SELECT 1 FROM agents WHERE id = :agent AND staged_embedder = :embedder AND staged_dimension = :dimension
                FOR SHARE""")
                .param("agent", agentId).param("embedder", to.name()).param("dimension", to.dimension())
                .query(Integer.class).optional().isPresent();
        if (!ours) {
            throw superseded(agentId);
        }
        int staged = 0;
        for (int i = 0; i < memories.size(); i++) {
            staged += jdbc.sql("UPDATE memories SET staged_embedding = :vector WHERE id = :id AND agent_id = :agent")
                    .param("vector", new PGvector(vectors.get(i))).param("id", memories.get(i).id())
                    .param("agent", agentId).update();
        }
        return staged;
    }
}
