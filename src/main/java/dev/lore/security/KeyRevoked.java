package dev.lore.security;

/**
 * Published in the transaction that revokes a key, so that what the key owns elsewhere (simulations that step on
 * their own) stops with it; {@code keyId} is the revoked key's {@link Caller#keyId()}.
 */
public record KeyRevoked(String keyId) {
}
