package dev.lore.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.lore.retrieval.evaluation.RetrievalMetrics;
import dev.lore.support.TcpProxy;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Takes PostgreSQL away from a running Lore behind a TCP proxy (open connections dropped, new ones never answered,
 * as behind a broken network) and back: how long requests and the health check take to answer during the outage and
 * with what, how soon after the database returns Lore serves again, and whether an upload acknowledged just before
 * the cut is stored. Run by {@code bench/database-outage.sh}; writes {@code bench/results/<date>-database-outage.md}.
 */
public final class DatabaseOutageBench {

    private static final String COLLECTION = "outage-bench";

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Benchmarks.options(args);
        String dbUrl = options.getOrDefault("db", "jdbc:postgresql://127.0.0.1:5432/lore_bench");
        Duration outage = Duration.ofSeconds(Long.parseLong(options.getOrDefault("seconds", "20")));
        Path out = Path.of(options.getOrDefault("out", "bench/results/" + java.time.LocalDate.now()
                + "-database-outage.md"));
        JsonMapper json = JsonMapper.builder().build();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (TcpProxy proxy = TcpProxy.forJdbcUrl(dbUrl);
                ConfigurableApplicationContext app = Benchmarks.start("all-minilm-l6-v2-q", dbUrl,
                        "--spring.datasource.hikari.jdbc-url=" + proxy.jdbcUrlFor(dbUrl),
                        "--lore.documents.stale-after=5s", "--lore.documents.heartbeat-interval=1s")) {
            int port = ((WebServerApplicationContext) app).getWebServer().getPort();
            BenchClient client = new BenchClient(port, json);
            app.getBean(JdbcClient.class).sql("DELETE FROM collections WHERE name = :n").param("n", COLLECTION)
                    .update();
            client.post("/api/v1/collections", Map.of("name", COLLECTION));
            Benchmarks.load(app, client, COLLECTION, List.of(new BeirDataset.Doc("leave", "Leave",
                    "Staff earn vacation days.")));
            String search = json.writeValueAsString(Map.of("collection", COLLECTION, "query", "vacation days",
                    "mode", "hybrid"));
            for (int i = 0; i < 20; i++) {
                send(http, port, "POST", "/api/v1/search", search);
            }
            String ingestion = client.uploadMarkdown("/api/v1/collections/" + COLLECTION + "/documents",
                    Map.of("travel.md", "# Travel\n\nBook train tickets through the travel portal.\n"))
                    .path("ingestionId").asString();

            proxy.cut();
            long cutAt = System.nanoTime();
            List<long[]> searches = new ArrayList<>();
            Map<Integer, Integer> statuses = new TreeMap<>();
            List<Long> health = new ArrayList<>();
            String healthStatus = "";
            String retryAfter = "";
            String type = "";
            while (System.nanoTime() - cutAt < outage.toNanos()) {
                long start = System.nanoTime();
                HttpResponse<String> response = send(http, port, "POST", "/api/v1/search", search);
                searches.add(new long[] { start - cutAt, System.nanoTime() - start });
                statuses.merge(response.statusCode(), 1, Integer::sum);
                retryAfter = response.headers().firstValue("Retry-After").orElse("-");
                type = json.readTree(response.body()).path("type").asString("-");
                long healthStart = System.nanoTime();
                HttpResponse<String> healthResponse = send(http, port, "GET", "/actuator/health", null);
                health.add(System.nanoTime() - healthStart);
                healthStatus = healthResponse.statusCode() + " " + json.readTree(healthResponse.body())
                        .path("status").asString();
            }
            proxy.restore();
            long restoredAt = System.nanoTime();
            int recoveredStatus;
            do {
                recoveredStatus = send(http, port, "POST", "/api/v1/search", search).statusCode();
            }
            while (recoveredStatus != 200 && System.nanoTime() - restoredAt < Duration.ofSeconds(60).toNanos());
            double recoveredMs = (System.nanoTime() - restoredAt) / 1e6;
            JsonNode ingested;
            do {
                ingested = client.get("/api/v1/ingestions/" + ingestion);
            }
            while (!List.of("DONE", "FAILED").contains(ingested.path("status").asString())
                    && System.nanoTime() - restoredAt < Duration.ofSeconds(120).toNanos());
            double ingestedMs = (System.nanoTime() - restoredAt) / 1e6;

            long[] latencies = searches.stream().mapToLong(s -> s[1]).toArray();
            long[] healthNanos = health.stream().mapToLong(Long::longValue).toArray();
            String report = "# Database outage: PostgreSQL unreachable behind a proxy, then back\n\nRun " + Instant.now()
                    + " on " + Runtime.getRuntime().availableProcessors() + " cores. The proxy drops Lore's open "
                    + "connections and leaves new ones unanswered for " + outage.toSeconds() + " s (a broken "
                    + "network: the harder case, nothing is refused); one client alternates POST /api/v1/search "
                    + "(hybrid) and GET /actuator/health throughout. Settings: Hikari connection-timeout 2 s, "
                    + "validation-timeout 1 s, driver connectTimeout 2 s and loginTimeout 3 s.\n\n"
                    + "| during the outage | value |\n|---|---|\n"
                    + row("searches sent", String.valueOf(latencies.length))
                    + row("answers by status", statuses.toString())
                    + row("problem type, Retry-After", type + ", " + retryAfter + " s")
                    + row("first search answered after", ms(searches.get(0)[1]))
                    + row("search answer time p50 / p95 / max", ms(RetrievalMetrics.percentile(latencies, 50))
                            + " / " + ms(RetrievalMetrics.percentile(latencies, 95)) + " / "
                            + ms(RetrievalMetrics.percentile(latencies, 100)))
                    + row("health answer time p50 / max", ms(RetrievalMetrics.percentile(healthNanos, 50)) + " / "
                            + ms(RetrievalMetrics.percentile(healthNanos, 100)))
                    + row("health answer", healthStatus)
                    + "\n| after the database is back | value |\n|---|---|\n"
                    + row("first search served (200) after", String.format(Locale.ROOT, "%.0f ms", recoveredMs))
                    + row("upload acknowledged before the cut", ingested.path("status").asString() + " after "
                            + String.format(Locale.ROOT, "%.1f s", ingestedMs / 1000)
                            + " (taken by the worker once the database was back; an item whose store the cut "
                            + "broke would be taken again after lore.documents.stale-after, 5 s here)")
                    + "\nBefore this change a request waited Hikari's default 30 s connection-timeout and then "
                    + "answered 500 internal; the health check waited as long.\n";
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, report);
            System.out.print(report);
        }
        System.exit(0);
    }

    private static String row(String name, String value) {
        return "| " + name + " | " + value + " |\n";
    }

    private static String ms(long nanos) {
        return ms(nanos / 1e6);
    }

    private static String ms(double millis) {
        return String.format(Locale.ROOT, "%.0f ms", millis);
    }

    private static HttpResponse<String> send(HttpClient http, int port, String method, String path, String body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60));
        if (body == null) {
            request.GET();
        }
        else {
            request.header("Content-Type", "application/json").method(method,
                    HttpRequest.BodyPublishers.ofString(body));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
