package dev.lore.web;

import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;

/**
 * OpenAI's error shape {@code {"error":{"message","type","param","code"}}} for every error under {@code /v1/**} (the
 * OpenAI-compatible facade): OpenAI's clients turn it, with the HTTP status, into their own exceptions
 * ({@code AuthenticationError}, {@code NotFoundError}, ...), where a problem+json body reached them as "(no body)".
 */
public final class FacadeErrors {

    private FacadeErrors() {
    }

    /** Whether the request is the facade's, whose errors take OpenAI's shape. */
    public static boolean applies(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        return path.equals("/v1") || path.startsWith("/v1/");
    }

    /**
     * The error body: {@code type} is OpenAI's class of error for the status, {@code code} Lore's problem type with
     * underscores ({@code model-not-found} becomes {@code model_not_found}) unless OpenAI has its own.
     */
    public static Map<String, Object> body(int status, String message, String param, String code) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", message);
        error.put("type", switch (status) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 429 -> "rate_limit_error";
            default -> status >= 400 && status < 500 ? "invalid_request_error" : "server_error";
        });
        error.put("param", param);
        error.put("code", code == null ? null : code.replace('-', '_'));
        return Map.of("error", error);
    }
}
