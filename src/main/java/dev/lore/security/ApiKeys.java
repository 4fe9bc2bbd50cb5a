package dev.lore.security;

import java.security.SecureRandom;
import java.sql.Array;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import org.apache.commons.codec.digest.DigestUtils;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import dev.lore.web.LoreException;

/**
 * Mints, verifies and revokes API keys. Keys are 256-bit random tokens, so a SHA-256 digest is a sound way to
 * store them (a slow password hash buys nothing against guessing 2^256 values).
 */
@Service
public class ApiKeys {

    private static final String PREFIX = "lore_";

    private final JdbcClient jdbc;
    private final Clock clock;
    private final ApplicationEventPublisher events;
    private final SecureRandom random = new SecureRandom();

    ApiKeys(JdbcClient jdbc, Clock clock, ApplicationEventPublisher events) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.events = events;
    }

    /** A freshly minted key: the secret is only ever returned here. */
    public record MintedKey(UUID id, String name, String key, Set<String> collections, Set<Permission> permissions) {
    }

    @Transactional
    public MintedKey mint(String name, Set<String> collections, Set<Permission> permissions) {
        return insert(name, false, collections, permissions, newSecret());
    }

    @Transactional
    MintedKey mintAdmin(String name) {
        return insert(name, true, Set.of(), Set.of(), newSecret());
    }

    /** Which of these names no collection has; {@code *} is never unknown. */
    List<String> unknownCollections(Collection<String> names) {
        List<String> wanted = names.stream().filter(n -> !n.equals(Caller.ALL_COLLECTIONS)).toList();
        if (wanted.isEmpty()) {
            return List.of();
        }
        Set<String> existing = new HashSet<>(jdbc.sql("SELECT name FROM collections WHERE name IN (:names)")
                .param("names", wanted).query(String.class).list());
        return wanted.stream().filter(n -> !existing.contains(n)).toList();
    }

    /** A key as an administrator sees it: never its secret. */
    record KeySummary(UUID id, String name, boolean admin, List<String> collections, List<String> permissions,
            OffsetDateTime createdAt, OffsetDateTime revokedAt) {
    }

    /** Every key, newest first (ties by id); revoked ones only when asked for. */
    List<KeySummary> list(boolean includeRevoked, int limit, int offset) {
        return jdbc.sql("""
                SELECT id, name, admin, collections, permissions, created_at, revoked_at FROM api_keys
                WHERE :revoked OR revoked_at IS NULL ORDER BY created_at DESC, id LIMIT :limit OFFSET :offset""")
                .param("revoked", includeRevoked).param("limit", limit).param("offset", offset)
                .query((rs, n) -> new KeySummary(rs.getObject("id", UUID.class), rs.getString("name"),
                        rs.getBoolean("admin"), List.copyOf(strings(rs.getArray("collections"))),
                        strings(rs.getArray("permissions")).stream().map(p -> p.toLowerCase(java.util.Locale.ROOT))
                                .sorted().toList(),
                        rs.getObject("created_at", OffsetDateTime.class),
                        rs.getObject("revoked_at", OffsetDateTime.class)))
                .list();
    }

    boolean anyAdminKey() {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM api_keys WHERE admin AND revoked_at IS NULL)")
                .query(Boolean.class).single();
    }

    @Transactional
    public void revoke(UUID id) {
        int updated = jdbc.sql("UPDATE api_keys SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL")
                .param("now", OffsetDateTime.now(clock)).param("id", id).update();
        if (updated == 0) {
            throw LoreException.notFound("key-not-found", "Key not found", "No active key with id " + id);
        }
        events.publishEvent(new KeyRevoked(id.toString()));
    }

    /**
     * Whether {@code keyId} names a stored key that has been revoked: work it started (an evaluation job) stops.
     * Ids of no stored key (the configured administrator's, security switched off) are never revoked.
     */
    public boolean isRevoked(String keyId) {
        UUID id;
        try {
            id = keyId == null ? null : UUID.fromString(keyId);
        }
        catch (IllegalArgumentException notStored) {
            return false;
        }
        // compared as a uuid, not id::text, so that the primary key's index serves it: jobs ask on every poll
        return id != null && jdbc.sql("""
                SELECT EXISTS (SELECT 1 FROM api_keys WHERE id = :id AND revoked_at IS NOT NULL)""")
                .param("id", id).query(Boolean.class).single();
    }

    Optional<Caller> authenticate(String secret) {
        return jdbc.sql("""
                SELECT id, name, admin, collections, permissions FROM api_keys
                WHERE key_hash = :hash AND revoked_at IS NULL""")
                .param("hash", hash(secret))
                .query((rs, n) -> new Caller(rs.getString("id"), rs.getString("name"), rs.getBoolean("admin"),
                        strings(rs.getArray("collections")),
                        strings(rs.getArray("permissions")).stream().map(Permission::parse)
                                .collect(Collectors.toSet())))
                .optional();
    }

    private MintedKey insert(String name, boolean admin, Set<String> collections, Set<Permission> permissions,
            String secret) {
        UUID id = UUID.randomUUID();
        jdbc.sql("""
                INSERT INTO api_keys (id, name, key_hash, admin, collections, permissions, created_at)
                VALUES (:id, :name, :hash, :admin, :collections, :permissions, :now)""")
                .param("id", id).param("name", name).param("hash", hash(secret)).param("admin", admin)
                .param("collections", collections.toArray(String[]::new))
                .param("permissions", permissions.stream().map(Permission::wireName).toArray(String[]::new))
                .param("now", OffsetDateTime.now(clock))
                .update();
        return new MintedKey(id, name, secret, collections, permissions);
    }

    private String newSecret() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String hash(String secret) {
        return DigestUtils.sha256Hex(secret);
    }

    private static Set<String> strings(Array array) throws SQLException {
        if (array == null) {
            return Set.of();
        }
        return new LinkedHashSet<>(Arrays.asList((String[]) array.getArray()));
    }

}
