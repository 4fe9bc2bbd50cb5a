package dev.lore.answers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Posts a request with {@code Accept: text/event-stream} and reads its events, all or until told to hang up. */
final class SseClient {

    record Event(String name, JsonNode data) {
    }

    record Stream(int status, String contentType, List<Event> events) {
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final int port;
    private final String key;
    private final JsonMapper json;

    SseClient(int port, String key, JsonMapper json) {
        this.port = port;
        this.key = key;
        this.json = json;
    }

    /** Reads every event until the server ends the stream. */
    Stream post(String path, Object body) {
        return post(path, body, event -> false);
    }

    /** Reads events until {@code hangUp} accepts one, then closes the connection. */
    Stream post(String path, Object body, Predicate<Event> hangUp) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json").header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body))).build();
        try {
            HttpResponse<InputStream> response = HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
            List<Event> events = new ArrayList<>();
            String contentType = response.headers().firstValue("Content-Type").orElse("");
            try (InputStream in = response.body();
                    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                if (!contentType.startsWith("text/event-stream")) {
                    String raw = reader.lines().reduce("", String::concat);
                    events.add(new Event("body", json.readTree(raw)));
                    return new Stream(response.statusCode(), contentType, events);
                }
                String name = "message";
                StringBuilder data = new StringBuilder();
                String line;
                while ((line = reader.readLine()) != null) {
                    if (line.startsWith("event:")) {
                        name = line.substring(6).strip();
                    }
                    else if (line.startsWith("data:")) {
                        data.append(line.substring(5));
                    }
                    else if (line.isEmpty() && !data.isEmpty()) {
                        Event event = new Event(name, json.readTree(data.toString()));
                        events.add(event);
                        name = "message";
                        data.setLength(0);
                        if (hangUp.test(event)) {
                            break;
                        }
                    }
                }
            }
            return new Stream(response.statusCode(), contentType, events);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
