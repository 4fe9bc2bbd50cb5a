package dev.lore.security;

import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.firewall.RequestRejectedHandler;

import dev.lore.web.FacadeErrors;
import dev.lore.web.Problems;
import tools.jackson.databind.json.JsonMapper;

/**
 * Stateless API-key security for {@code /api/**}, the OpenAI facade, the MCP server and the actuator (health is public, without
 * details); everything else is public.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    @Bean
    SecurityFilterChain apiSecurity(HttpSecurity http, SecurityProperties properties, ApiKeys keys,
            JsonMapper json) throws Exception {
        http.csrf(csrf -> csrf.disable())
                .httpBasic(basic -> basic.disable())
                .formLogin(form -> form.disable())
                .logout(logout -> logout.disable())
                .requestCache(cache -> cache.disable())
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS));
        if (!properties.enabled()) {
            http.authorizeHttpRequests(requests -> requests.anyRequest().permitAll());
            return http.build();
        }
        http.addFilterBefore(new ApiKeyAuthenticationFilter(keys, properties.adminKey()),
                        AnonymousAuthenticationFilter.class)
                .authorizeHttpRequests(requests -> requests
                        // load balancers probe health without a key; it shows details to administrators only
                        .requestMatchers(EndpointRequest.to("health")).permitAll()
                        .requestMatchers(EndpointRequest.toAnyEndpoint()).hasRole("ADMIN")
                        .requestMatchers("/api/v1/keys", "/api/v1/keys/**").hasRole("ADMIN")
                        .requestMatchers("/api/**", "/v1/**", "/mcp", "/mcp/**").authenticated()
                        .anyRequest().permitAll())
                .exceptionHandling(handling -> handling
                        .authenticationEntryPoint((request, response, e) -> unauthenticated(json, request, response))
                        .accessDeniedHandler((request, response, e) -> write(json, request, response,
                                HttpStatus.FORBIDDEN, "forbidden", "Forbidden",
                                "This key may not use " + request.getRequestURI())));
        return http.build();
    }

    /**
     * A request Spring Security's firewall refuses (a control character in a header, an encoded slash in the path)
     * gets a problem without echoing the offending value, which may be a key, and nothing is logged.
     */
    @Bean
    RequestRejectedHandler requestRejected(JsonMapper json) {
        return (request, response, e) -> write(json, request, response, HttpStatus.BAD_REQUEST, "rejected-request",
                "Rejected request", "The request holds characters that are not allowed in a header, the path "
                        + "or a parameter.");
    }

    /** Lore has API keys, not user accounts; this keeps Boot from generating a default user and password. */
    @Bean
    UserDetailsService noUserAccounts() {
        return username -> {
            throw new UsernameNotFoundException("Lore authenticates API keys only");
        };
    }

    private static void unauthenticated(JsonMapper json, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        response.setHeader("WWW-Authenticate", "Bearer");
        if (request.getAttribute(ApiKeyAuthenticationFilter.INVALID_KEY) != null) {
            // OpenAI's own code for a wrong key, which its clients and chat UIs recognise
            write(json, request, response, HttpStatus.UNAUTHORIZED,
                    FacadeErrors.applies(request) ? "invalid-api-key" : "invalid-key", "Invalid API key",
                    "The API key is unknown or has been revoked.");
        }
        else {
            write(json, request, response, HttpStatus.UNAUTHORIZED, "missing-key", "Missing API key",
                    "Send 'Authorization: Bearer <api-key>'. The README says how to get a key.");
        }
    }

    /** A problem, or under {@code /v1/**} OpenAI's error shape, which OpenAI's clients read. */
    private static void write(JsonMapper json, HttpServletRequest request, HttpServletResponse response,
            HttpStatus status, String type, String title, String detail) throws IOException {
        response.setStatus(status.value());
        if (FacadeErrors.applies(request)) {
            response.setContentType(MediaType.APPLICATION_JSON_VALUE);
            json.writeValue(response.getOutputStream(), FacadeErrors.body(status.value(), detail, null, type));
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", URI.create(Problems.TYPE_PREFIX + type).toString());
        body.put("title", title);
        body.put("status", status.value());
        body.put("detail", detail);
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), body);
    }
}
