package dev.lore.web;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.apache.tomcat.util.http.InvalidParameterException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import tools.jackson.databind.json.JsonMapper;

/**
 * Refuses a query string Tomcat cannot decode ({@code ?limit=%FF}) with {@code 400 invalid-request} on every path,
 * before anything reads a parameter: Tomcat decodes all parameters at the first look at any one, so the failure
 * would otherwise surface wherever that happens (a 500), or not at all where nothing looks. Form and multipart
 * bodies are left alone here, since parsing the parameters would read them; the general advice answers those.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 15)
class QueryStringFilter extends OncePerRequestFilter {

    private final JsonMapper json;

    QueryStringFilter(JsonMapper json) {
        this.json = json;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String contentType = request.getContentType();
        return request.getQueryString() == null || (contentType != null
                && (contentType.startsWith(MediaType.APPLICATION_FORM_URLENCODED_VALUE)
                        || contentType.startsWith(MediaType.MULTIPART_FORM_DATA_VALUE)));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try {
            request.getParameterMap();
        }
        catch (InvalidParameterException undecodable) {
            ProblemResponses.write(json, request, response, HttpStatus.BAD_REQUEST, "invalid-request",
                    "Invalid request", ProblemDetailsAdvice.UNDECODABLE_PARAMETERS, null);
            return;
        }
        chain.doFilter(request, response);
    }
}
