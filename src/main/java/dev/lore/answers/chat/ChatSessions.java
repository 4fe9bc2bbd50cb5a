package dev.lore.answers.chat;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.lore.documents.CollectionNotFound;
import dev.lore.web.LoreException;
import dev.lore.web.ReadReplica;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Chat sessions and their messages in PostgreSQL; every read and write is scoped to the owning key. */
@Repository
class ChatSessions {

    /** A session as listed. */
    record Session(UUID sessionId, String collection, String title, Instant updatedAt) {
    }

    /** A stored message; {@code feedback} is null until someone rates it. */
    record Message(UUID id, String role, String content, JsonNode citations, JsonNode retrievals, Feedback feedback,
            Instant createdAt) {
    }

    /** A rating of an answer. */
    record Feedback(String rating, String comment, Instant at) {
    }

    /**
     * A session with its latest messages, oldest first; {@code hasMore} when older ones exist, which
     * {@code ?before=nextBefore} shows.
     */
    record Transcript(UUID sessionId, String collection, String title, List<Message> messages, boolean hasMore,
            @JsonInclude(JsonInclude.Include.NON_NULL) Integer nextBefore) {
    }

    /** One page of the key's sessions, latest first; {@code hasMore} when the next offset holds more. */
    record Sessions(List<Session> sessions, boolean hasMore) {
    }

    /** A message with its place in the session, for paging. */
    private record Positioned(int position, Message message) {
    }

    /** A rated answer with its question, for an administrator looking for bad answers. */
    record Rated(UUID sessionId, UUID messageId, String collection, String keyId, String question, String answer,
            JsonNode citations, Feedback feedback) {
    }

    private final JdbcClient jdbc;
    private final JdbcClient reads;
    private final JsonMapper json;

    ChatSessions(JdbcClient jdbc, ReadReplica reads, JsonMapper json) {
        this.reads = reads.jdbc();
        this.jdbc = jdbc;
        this.json = json;
    }

    static LoreException notFound(UUID id) {
        return LoreException.notFound("chat-session-not-found", "Chat session not found",
                "No chat session " + id);
    }

    Optional<Session> find(String keyId, UUID id) {
        return jdbc.sql("""
                SELECT s.id, c.name, s.title, s.updated_at FROM chat_sessions s
                JOIN collections c ON c.id = s.collection_id WHERE s.id = :id AND s.key_id = :key
                """).param("id", id).param("key", keyId).query(ChatSessions::session).optional();
    }

    /** The key's sessions from {@code offset} on, at most {@code limit}, latest first. */
    Sessions list(String keyId, int limit, long offset) {
        List<Session> page = reads.sql("""
                SELECT s.id, c.name, s.title, s.updated_at FROM chat_sessions s
                JOIN collections c ON c.id = s.collection_id WHERE s.key_id = :key ORDER BY s.updated_at DESC, s.id
                LIMIT :limit OFFSET :offset
                """).param("key", keyId).param("limit", limit + 1).param("offset", offset)
                .query(ChatSessions::session).list();
        return page.size() > limit ? new Sessions(page.subList(0, limit), true) : new Sessions(page, false);
    }

    /** The session with its latest {@code limit} messages before position {@code before} (all when null). */
    Transcript transcript(String keyId, UUID id, int limit, Integer before) {
        Session session = find(keyId, id).orElseThrow(() -> notFound(id));
        List<Positioned> page = latest(id, limit + 1, before);
        boolean more = page.size() > limit;
        List<Positioned> shown = more ? page.subList(1, page.size()) : page;
        return new Transcript(session.sessionId(), session.collection(), session.title(),
                shown.stream().map(Positioned::message).toList(), more,
                more && !shown.isEmpty() ? shown.get(0).position() : null);
    }

    /** The session's latest {@code limit} messages, oldest first: all a follow-up's history could hold. */
    List<Message> messages(UUID sessionId, int limit) {
        return latest(sessionId, limit, null).stream().map(Positioned::message).toList();
    }

    private List<Positioned> latest(UUID sessionId, int limit, Integer before) {
        return jdbc.sql("""
                SELECT * FROM (
                    SELECT id, position, role, content, citations::text AS citations, retrievals::text AS retrievals,
                           feedback_rating, feedback_comment, feedback_at, created_at
                    FROM chat_messages WHERE session_id = :session AND position < :before
                    ORDER BY position DESC LIMIT :limit) latest
                ORDER BY position
                """).param("session", sessionId).param("before", before == null ? Integer.MAX_VALUE : before)
                .param("limit", limit)
                .query((rs, row) -> new Positioned(rs.getInt("position"), new Message(rs.getObject("id", UUID.class),
                        rs.getString("role"), rs.getString("content"), json.readTree(rs.getString("citations")),
                        json.readTree(rs.getString("retrievals")), feedback(rs),
                        instant(rs.getObject("created_at", OffsetDateTime.class))))).list();
    }

    /**
     * Stores a finished turn: the session when it is new, then the question and its answer, in one transaction, so
     * a turn is either whole or absent.
     */
    @Transactional
    void append(String keyId, UUID sessionId, boolean create, String collection, String title, Instant now,
            UUID questionId, String question, UUID answerId, String answer, Object citations, Object retrievals) {
        if (create) {
            Long collectionId = jdbc.sql("SELECT id FROM collections WHERE name = :name").param("name", collection)
                    .query(Long.class).optional().orElseThrow(() -> CollectionNotFound.named(collection));
            jdbc.sql("""
                    INSERT INTO chat_sessions (id, key_id, collection_id, title, created_at, updated_at)
                    VALUES (:id, :key, :collection, :title, :now, :now)
                    """).param("id", sessionId).param("key", keyId).param("collection", collectionId)
                    .param("title", title).param("now", offset(now)).update();
        }
        else if (jdbc.sql("UPDATE chat_sessions SET updated_at = :now WHERE id = :id AND key_id = :key")
                .param("now", offset(now)).param("id", sessionId).param("key", keyId).update() == 0) {
            throw notFound(sessionId); // deleted while the answer was being written
        }
        int position = jdbc.sql("SELECT coalesce(max(position), -1) + 1 FROM chat_messages WHERE session_id = :id")
                .param("id", sessionId).query(Integer.class).single();
        insert(questionId, sessionId, position, "user", question, List.of(), List.of(), now);
        insert(answerId, sessionId, position + 1, "assistant", answer, citations, retrievals, now);
    }

    private void insert(UUID id, UUID sessionId, int position, String role, String content, Object citations,
            Object retrievals, Instant now) {
        jdbc.sql("""
                INSERT INTO chat_messages (id, session_id, position, role, content, citations, retrievals, created_at)
                VALUES (:id, :session, :position, :role, :content, :citations::jsonb, :retrievals::jsonb, :now)
                """).param("id", id).param("session", sessionId).param("position", position).param("role", role)
                .param("content", content).param("citations", json.writeValueAsString(citations))
                .param("retrievals", json.writeValueAsString(retrievals)).param("now", offset(now)).update();
    }

    boolean delete(String keyId, UUID id) {
        return jdbc.sql("DELETE FROM chat_sessions WHERE id = :id AND key_id = :key").param("id", id)
                .param("key", keyId).update() > 0;
    }

    /** Rates an answer of one of the key's sessions; false when there is no such answer there. */
    boolean rate(String keyId, UUID sessionId, UUID messageId, String rating, String comment, Instant now) {
        return jdbc.sql("""
                UPDATE chat_messages m SET feedback_rating = :rating, feedback_comment = :comment, feedback_at = :now
                FROM chat_sessions s
                WHERE m.id = :message AND m.session_id = :session AND m.role = 'assistant'
                  AND s.id = m.session_id AND s.key_id = :key
                """).param("rating", rating).param("comment", comment).param("now", offset(now))
                .param("message", messageId).param("session", sessionId).param("key", keyId).update() > 0;
    }

    /** Rated answers of every key, newest rating first; {@code rating} null for both kinds. */
    List<Rated> rated(String rating, int limit) {
        return rated(rating, null, limit);
    }

    /** Rated answers of every key in one collection ({@code null}: every collection), newest rating first. */
    List<Rated> rated(String rating, String collection, int limit) {
        return jdbc.sql("""
                SELECT s.id AS session_id, a.id AS message_id, c.name AS collection, s.key_id,
                       q.content AS question, a.content AS answer, a.citations::text AS citations,
                       a.feedback_rating, a.feedback_comment, a.feedback_at
                FROM chat_messages a
                JOIN chat_sessions s ON s.id = a.session_id
                JOIN collections c ON c.id = s.collection_id
                LEFT JOIN chat_messages q ON q.session_id = a.session_id AND q.position = a.position - 1
                WHERE a.feedback_rating IS NOT NULL AND (cast(:rating AS text) IS NULL OR a.feedback_rating = :rating)
                  AND (cast(:collection AS text) IS NULL OR c.name = :collection)
                ORDER BY a.feedback_at DESC, a.id LIMIT :limit
                """).param("rating", rating).param("collection", collection).param("limit", limit)
                .query((rs, row) -> new Rated(
                rs.getObject("session_id", UUID.class), rs.getObject("message_id", UUID.class),
                rs.getString("collection"), rs.getString("key_id"), rs.getString("question"), rs.getString("answer"),
                json.readTree(rs.getString("citations")), feedback(rs))).list();
    }

    private static Session session(ResultSet rs, int row) throws SQLException {
        return new Session(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
                instant(rs.getObject(4, OffsetDateTime.class)));
    }

    private static Feedback feedback(ResultSet rs) throws SQLException {
        String rating = rs.getString("feedback_rating");
        return rating == null ? null : new Feedback(rating, rs.getString("feedback_comment"),
                instant(rs.getObject("feedback_at", OffsetDateTime.class)));
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }

    private static OffsetDateTime offset(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
