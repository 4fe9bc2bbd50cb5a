package dev.lore.models.backend;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP server on a free port that answers scripted responses per path (the last one repeats), so that the
 * client code under test speaks its real wire format; it records what it was sent.
 */
public final class FakeHttpServer implements AutoCloseable {

    /** A request the server received. */
    public record Received(String method, String path, Map<String, List<String>> headers, String body) {

        public String header(String name) {
            return headers.entrySet().stream().filter(entry -> entry.getKey().equalsIgnoreCase(name))
                    .map(entry -> entry.getValue().get(0)).findFirst().orElse(null);
        }
    }

    /** One scripted answer. */
    public interface Response {

        void write(HttpExchange exchange) throws IOException;
    }

    /**
     * The request body, for {@link #reading} answers, which run on the thread that handles the request. Not an
     * exchange attribute: the JDK's server keeps those on the context, shared by every request in flight.
     */
    private static final ThreadLocal<String> BODY = new ThreadLocal<>();

    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, Deque<Response>> scripts = new HashMap<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();

    public FakeHttpServer() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        }
        catch (IOException failure) {
            throw new IllegalStateException(failure);
        }
        executor = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "fake-http");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Makes this server Lore's generator: an OpenAI-compatible backend serving the model {@code gpt-test}. */
    public void registerAsOpenAi(org.springframework.test.context.DynamicPropertyRegistry registry) {
        registry.add("lore.generator", () -> "openai");
        registry.add("spring.ai.openai.base-url", this::baseUrl);
        registry.add("spring.ai.openai.api-key", () -> "sk-test");
        registry.add("spring.ai.openai.chat.options.model", () -> "gpt-test");
    }

    /** Answers requests to {@code path} with {@code responses} in turn, then keeps giving the last. */
    public FakeHttpServer on(String path, Response... responses) {
        synchronized (scripts) {
            scripts.put(path, new ArrayDeque<>(List.of(responses)));
        }
        return this;
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    public long count(String path) {
        return received.stream().filter(request -> request.path().equals(path)).count();
    }

    /** Answers with what {@code answer} makes of the request's body: a backend that reads what it is asked. */
    public static Response reading(java.util.function.Function<String, Response> answer) {
        return exchange -> answer.apply(BODY.get()).write(exchange);
    }

    public static Response json(int status, String body) {
        return json(status, body, Map.of());
    }

    public static Response json(int status, String body, Map<String, String> headers) {
        return exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            headers.forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        };
    }

    /** Answers after {@code delay}, as a backend that is too slow. */
    public static Response slow(Duration delay, Response then) {
        return exchange -> {
            try {
                Thread.sleep(delay.toMillis());
            }
            catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return;
            }
            then.write(exchange);
        };
    }

    /**
     * Streams {@code pieces} (already framed: SSE events or NDJSON lines), flushing each and pausing {@code gap}
     * between them; {@code finished} is set only when every piece was written.
     */
    public static Response streamed(String contentType, List<String> pieces, Duration gap, AtomicBoolean finished) {
        return exchange -> {
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                for (String piece : pieces) {
                    out.write(piece.getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    if (!gap.isZero()) {
                        Thread.sleep(gap.toMillis());
                    }
                }
                finished.set(true);
            }
            catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            catch (IOException clientGone) {
                // the client stopped reading: what a cancelled stream looks like from the server
            }
        };
    }

    /** Settings that keep resilience tests fast: short timeouts and backoff, a small circuit-breaker window. */
    public static ResilienceProperties fastSettings() {
        return new ResilienceProperties(Duration.ofMillis(800), Duration.ofMillis(500), Duration.ofSeconds(10), 3,
                Duration.ofMillis(20), 2.0, Duration.ofMillis(200), 50, 4, Duration.ofSeconds(30), 4,
                Duration.ofMillis(200));
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String path = exchange.getRequestURI().getPath();
        received.add(new Received(exchange.getRequestMethod(), path, Map.copyOf(exchange.getRequestHeaders()),
                body));
        BODY.set(body);
        Response response;
        synchronized (scripts) {
            Deque<Response> script = scripts.get(path);
            response = script == null ? null : script.size() > 1 ? script.poll() : script.peek();
        }
        if (response == null) {
            json(404, "{\"error\":\"no script for " + path + "\"}").write(exchange);
            return;
        }
        try {
            response.write(exchange);
        }
        finally {
            BODY.remove();
            exchange.close();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
