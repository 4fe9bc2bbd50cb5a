package dev.lore.answers;

import java.util.List;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Lets tests in sub-packages stream answers through {@link SseClient}. */
public final class SseClientAccess {

    /** The events' names and data, in order. */
    public record Stream(List<String> names, List<JsonNode> data) {
    }

    private SseClientAccess() {
    }

    public static Stream post(int port, String key, JsonMapper json, Object body) {
        return of(new SseClient(port, key, json).post("/api/v1/answer", body));
    }

    /** Hangs up after {@code events} events. */
    public static Stream postUntil(int port, String key, JsonMapper json, Object body, int events) {
        int[] seen = new int[1];
        return of(new SseClient(port, key, json).post("/api/v1/answer", body, event -> ++seen[0] == events));
    }

    public static Stream post(int port, String key, JsonMapper json, String path, Object body) {
        return of(new SseClient(port, key, json).post(path, body));
    }

    private static Stream of(SseClient.Stream stream) {
        return new Stream(stream.events().stream().map(SseClient.Event::name).toList(),
                stream.events().stream().map(SseClient.Event::data).toList());
    }
}
