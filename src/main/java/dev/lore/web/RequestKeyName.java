package dev.lore.web;

import jakarta.servlet.ServletRequest;

/**
 * The name of the API key a request was made with, noted by security for the request log: the log line is
 * written after Spring Security has cleared its context, so the name travels as a request attribute.
 */
public final class RequestKeyName {

    private static final String ATTRIBUTE = RequestKeyName.class.getName();

    private RequestKeyName() {
    }

    /** Notes the key's name, never its secret. */
    public static void note(ServletRequest request, String name) {
        request.setAttribute(ATTRIBUTE, name);
    }

    static String of(ServletRequest request) {
        return request.getAttribute(ATTRIBUTE) instanceof String name ? name : "-";
    }
}
