package dev.lore.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

import dev.lore.web.RequestKeyName;

/** Turns {@code Authorization: Bearer <key>} into a {@link Caller}; a key that matches nothing is refused. */
class ApiKeyAuthenticationFilter extends OncePerRequestFilter {

    static final String INVALID_KEY = ApiKeyAuthenticationFilter.class.getName() + ".invalid";

    private final ApiKeys keys;
    private final byte[] adminKey;

    ApiKeyAuthenticationFilter(ApiKeys keys, String adminKey) {
        this.keys = keys;
        this.adminKey = adminKey == null || adminKey.isBlank() ? null : adminKey.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String secret = header.substring(7).trim();
            Optional<Caller> caller = resolve(secret);
            if (caller.isPresent()) {
                var authorities = List.of(new SimpleGrantedAuthority(caller.get().admin() ? "ROLE_ADMIN" : "ROLE_KEY"));
                var authentication = UsernamePasswordAuthenticationToken.authenticated(caller.get(), null, authorities);
                SecurityContextHolder.getContext().setAuthentication(authentication);
                RequestKeyName.note(request, caller.get().name());
            }
            else {
                request.setAttribute(INVALID_KEY, Boolean.TRUE);
            }
        }
        chain.doFilter(request, response);
    }

    private Optional<Caller> resolve(String secret) {
        if (secret.isEmpty()) {
            return Optional.empty();
        }
        if (adminKey != null && MessageDigest.isEqual(adminKey, secret.getBytes(StandardCharsets.UTF_8))) {
            return Optional.of(new Caller("admin", "administrator (LORE_API_KEY)", true, Set.of(), Set.of()));
        }
        return keys.authenticate(secret);
    }
}
