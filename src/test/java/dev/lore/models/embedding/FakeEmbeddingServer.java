package dev.lore.models.embedding;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An OpenAI-compatible embedding server ({@code POST /v1/embeddings}, {@code GET /v1/models}) whose vectors are
 * bags of hashed words, so that texts sharing words are near: enough for search to find the right document. It can
 * be switched to answer 503, vectors of the wrong size, or NaN, and records the inputs of every request.
 */
public final class FakeEmbeddingServer implements AutoCloseable {

    /** How the server answers. */
    public enum Behaviour {
        NORMAL, DOWN, WRONG_DIMENSION, NAN
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpServer server;
    private final int dimension;
    private final List<List<String>> inputs = new CopyOnWriteArrayList<>();
    private volatile Behaviour behaviour = Behaviour.NORMAL;
    private volatile Runnable beforeAnswering;
    private final java.util.concurrent.atomic.AtomicInteger probes = new java.util.concurrent.atomic.AtomicInteger();

    public FakeEmbeddingServer(int dimension) {
        this.dimension = dimension;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        }
        catch (IOException failure) {
            throw new IllegalStateException(failure);
        }
        server.setExecutor(Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "fake-embeddings");
            thread.setDaemon(true);
            return thread;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public void behave(Behaviour behaviour) {
        this.behaviour = behaviour;
    }

    /** Runs {@code hook} (when not {@code null}) while each embedding request is in flight, before it is answered. */
    public void beforeAnswering(Runnable hook) {
        this.beforeAnswering = hook;
    }

    /** The inputs of every embedding request so far, one list per request. */
    public List<List<String>> inputs() {
        return List.copyOf(inputs);
    }

    /** How many health probes ({@code GET /v1/models}) the server has answered. */
    public int probes() {
        return probes.get();
    }

    public void forget() {
        inputs.clear();
    }

    /** The vector a text gets: its lower-cased words hashed into the dimensions (not normalised). */
    public float[] vector(String text, int size) {
        float[] vector = new float[size];
        for (String word : text.toLowerCase(Locale.ROOT).split("[^a-z0-9]+")) {
            if (word.length() > 2) {
                vector[Math.floorMod(word.hashCode(), size)] += 1;
            }
        }
        vector[size - 1] += 0.01f; // never the zero vector
        return vector;
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String path = exchange.getRequestURI().getPath();
        if (path.equals("/v1/models")) {
            probes.incrementAndGet();
            write(exchange, behaviour == Behaviour.DOWN ? 503 : 200, "{\"object\":\"list\",\"data\":[]}");
            return;
        }
        if (!path.equals("/v1/embeddings")) {
            write(exchange, 404, "{\"error\":{\"message\":\"no route " + path + "\"}}");
            return;
        }
        if (behaviour == Behaviour.DOWN) {
            write(exchange, 503, "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}");
            return;
        }
        JsonNode request = JSON.readTree(body);
        List<String> texts = request.path("input").values().stream().map(JsonNode::asString).toList();
        inputs.add(texts);
        Runnable hook = beforeAnswering;
        if (hook != null) {
            hook.run();
        }
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < texts.size(); i++) {
            int size = behaviour == Behaviour.WRONG_DIMENSION ? dimension / 2 : dimension;
            float[] vector = vector(texts.get(i), size);
            StringBuilder numbers = new StringBuilder();
            for (int d = 0; d < size; d++) {
                numbers.append(d == 0 ? "" : ",")
                        .append(behaviour == Behaviour.NAN && d == 1 ? "NaN" : Float.toString(vector[d]));
            }
            data.append(i == 0 ? "" : ",").append("{\"object\":\"embedding\",\"index\":").append(i)
                    .append(",\"embedding\":[").append(numbers).append("]}");
        }
        write(exchange, 200, "{\"object\":\"list\",\"data\":[" + data + "],\"model\":\""
                + request.path("model").asString() + "\",\"usage\":{\"prompt_tokens\":1,\"total_tokens\":1}}");
    }

    private static void write(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
