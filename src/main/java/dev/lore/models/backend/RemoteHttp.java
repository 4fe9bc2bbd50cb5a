package dev.lore.models.backend;

import java.time.Duration;
import java.util.Map;

import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.web.client.RestClient;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Plain HTTP and JSON for remote model APIs that Lore calls with Spring's {@code RestClient}: socket timeouts from
 * {@link ResilienceProperties}, and JSON reading that turns anything unexpected into a {@link RemoteFailure}.
 */
public final class RemoteHttp {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private RemoteHttp() {
    }

    /**
     * A client whose read timeout bounds every silence (a stalled answer or stream) by {@code timeout}: the JDK's
     * {@code HttpURLConnection} applies it per socket read, which the JDK {@code HttpClient} cannot.
     */
    public static RestClient restClient(String baseUrl, ResilienceProperties settings, Map<String, String> headers) {
        return restClient(baseUrl, settings.connectTimeout(), settings.timeout(), headers);
    }

    /** A client for cheap probes (health, version), which wait no longer than a connection may take. */
    public static RestClient probeClient(String baseUrl, ResilienceProperties settings, Map<String, String> headers) {
        return restClient(baseUrl, settings.connectTimeout(), settings.connectTimeout(), headers);
    }

    private static RestClient restClient(String baseUrl, Duration connectTimeout, Duration readTimeout,
            Map<String, String> headers) {
        SimpleClientHttpRequestFactory requests = new SimpleClientHttpRequestFactory();
        requests.setConnectTimeout(connectTimeout);
        requests.setReadTimeout(readTimeout);
        return RestClient.builder().baseUrl(baseUrl).requestFactory(requests)
                .defaultHeaders(all -> headers.forEach(all::set)).build();
    }

    public static String write(Object value) {
        return JSON.writeValueAsString(value);
    }

    public static JsonNode read(String body, String what) {
        try {
            return JSON.readTree(body == null ? "" : body);
        }
        catch (JacksonException unreadable) {
            throw RemoteFailure.malformed("unreadable " + what + " (" + unreadable.getOriginalMessage() + ")",
                    unreadable);
        }
    }

    public static String text(JsonNode node, String field, String what) {
        JsonNode value = node.get(field);
        if (value == null || !value.isString()) {
            throw RemoteFailure.malformed(what + " has no text field '" + field + "'", null);
        }
        return value.stringValue();
    }

    public static double number(JsonNode node, String field, String what) {
        JsonNode value = node.get(field);
        if (value == null || !value.isNumber()) {
            throw RemoteFailure.malformed(what + " has no number field '" + field + "'", null);
        }
        return value.asDouble();
    }
}
