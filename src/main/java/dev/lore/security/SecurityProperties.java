package dev.lore.security;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Access settings: {@code adminKey} comes from {@code LORE_API_KEY}; without it an administrator key is minted
 * on first start and printed once.
 */
@ConfigurationProperties("lore.security")
public record SecurityProperties(@DefaultValue("true") boolean enabled, String adminKey) {
}
