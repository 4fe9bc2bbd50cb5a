package dev.lore.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

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
 * would otherwise surface wherever that happens (a 500), or not at all where nothing looks. On form and multipart
 * requests asking Tomcat would parse the body too, so there the query string alone is decoded here, as strictly
 * (percent escapes of UTF-8); their bodies are left to the general advice.
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
        return request.getQueryString() == null;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!decodable(request)) {
            ProblemResponses.write(json, request, response, HttpStatus.BAD_REQUEST, "invalid-request",
                    "Invalid request", ProblemDetailsAdvice.UNDECODABLE_PARAMETERS, null);
            return;
        }
        chain.doFilter(request, response);
    }

    private static boolean decodable(HttpServletRequest request) {
        String contentType = request.getContentType();
        if (contentType != null && (contentType.startsWith(MediaType.APPLICATION_FORM_URLENCODED_VALUE)
                || contentType.startsWith(MediaType.MULTIPART_FORM_DATA_VALUE))) {
            return decodesAsUtf8(request.getQueryString());
        }
        try {
            request.getParameterMap();
            return true;
        }
        catch (InvalidParameterException undecodable) {
            return false;
        }
    }

    /**
     * Whether every percent escape is well formed and the bytes they give are UTF-8. Written here because
     * {@link java.net.URLDecoder} puts U+FFFD in place of malformed UTF-8 instead of failing.
     */
    static boolean decodesAsUtf8(String query) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(query.length());
        for (int i = 0; i < query.length(); i++) {
            char c = query.charAt(i);
            if (c == '%') {
                if (i + 2 >= query.length()) {
                    return false;
                }
                int high = Character.digit(query.charAt(i + 1), 16);
                int low = Character.digit(query.charAt(i + 2), 16);
                if (high < 0 || low < 0) {
                    return false;
                }
                bytes.write(high << 4 | low);
                i += 2;
            }
            else {
                bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray()));
            return true;
        }
        catch (CharacterCodingException malformed) {
            return false;
        }
    }
}
