package dev.lore.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.awaitility.Awaitility;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A small HTTP client for the tests: JSON in, JSON out, multipart uploads, waiting for ingestions. */
public final class Api {

    public record Response(int status, String contentType, JsonNode body, String raw,
            java.net.http.HttpHeaders headers) {

        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        public String problemType() {
            String type = body.path("type").asString("");
            return type.substring(type.lastIndexOf('/') + 1);
        }
    }

    public record Part(String name, String filename, String contentType, byte[] bytes) {

        public static Part file(String filename, String content) {
            return new Part("file", filename, "application/octet-stream", content.getBytes(StandardCharsets.UTF_8));
        }

        public static Part file(String filename, byte[] bytes) {
            return new Part("file", filename, "application/octet-stream", bytes);
        }

        public static Part json(String name, String json) {
            return new Part(name, null, "application/json", json.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final int port;
    private final String key;
    private final JsonMapper json;

    Api(int port, String key, JsonMapper json) {
        this.port = port;
        this.key = key;
        this.json = json;
    }

    public Response get(String path) {
        return send(request(path).GET().build());
    }

    /** A GET with one extra header, e.g. {@code Accept}. */
    public Response get(String path, String header, String value) {
        return send(request(path).header(header, value).GET().build());
    }

    /** A POST of bytes as they are, for bodies the other helpers would not send (a broken multipart body). */
    public Response postRaw(String path, String contentType, byte[] body) {
        return send(request(path).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    public Response put(String path, Object body) {
        String text = body instanceof String s ? s : json.writeValueAsString(body);
        return send(request(path).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(text)).build());
    }

    public Response delete(String path) {
        return send(request(path).DELETE().build());
    }

    public Response post(String path, Object body) {
        String text = body instanceof String s ? s : json.writeValueAsString(body);
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(text)).build());
    }

    public Response upload(String path, List<Part> parts) {
        String boundary = "lore-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            for (Part part : parts) {
                body.write(("--" + boundary + "\r\n").getBytes(StandardCharsets.UTF_8));
                String disposition = "Content-Disposition: form-data; name=\"" + part.name() + "\""
                        + (part.filename() == null ? "" : "; filename=\"" + part.filename() + "\"");
                body.write((disposition + "\r\nContent-Type: " + part.contentType() + "\r\n\r\n")
                        .getBytes(StandardCharsets.UTF_8));
                body.write(part.bytes());
                body.write("\r\n".getBytes(StandardCharsets.UTF_8));
            }
            body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return send(request(path).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build());
    }

    /** Waits until the ingestion leaves QUEUED/RUNNING and returns its final status. */
    public JsonNode awaitIngestion(String ingestionId) {
        JsonNode[] last = new JsonNode[1];
        Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() -> {
            Response response = get("/api/v1/ingestions/" + ingestionId);
            last[0] = response.body();
            String status = response.body().path("status").asString("");
            return status.equals("DONE") || status.equals("FAILED");
        });
        return last[0];
    }

    /** Uploads files, waits for the ingestion to finish and returns its final status. */
    public JsonNode ingest(String collection, Part... files) {
        Response response = upload("/api/v1/collections/" + collection + "/documents", List.of(files));
        if (response.status() != 202) {
            throw new AssertionError("upload answered " + response.status() + ": " + response.raw());
        }
        return awaitIngestion(response.body().path("ingestionId").asString());
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60));
        if (key != null) {
            builder.header("Authorization", "Bearer " + key);
        }
        return builder;
    }

    private Response send(HttpRequest request) {
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            String raw = response.body();
            JsonNode body = raw == null || raw.isBlank() ? json.missingNode() : parse(raw);
            return new Response(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                    body, raw, response.headers());
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private JsonNode parse(String raw) {
        try {
            return json.readTree(raw);
        }
        catch (RuntimeException e) {
            return json.missingNode();
        }
    }
}
