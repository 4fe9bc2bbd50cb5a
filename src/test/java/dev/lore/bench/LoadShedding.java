package dev.lore.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.lore.retrieval.evaluation.RetrievalMetrics;
import tools.jackson.databind.json.JsonMapper;

/**
 * Closed-loop load on {@code POST /api/v1/search} (hybrid, SciFact queries) from 50, 200 and 400 concurrent clients,
 * with Lore's admission bulkhead on and, for comparison, off: latency of the admitted requests and the share shed.
 * A shed client waits the {@code Retry-After} it is given, as a well-behaved client does. Run by
 * {@code bench/load-shedding.sh}; writes {@code bench/results/<date>-load-shedding.md}.
 */
public final class LoadShedding {

    private static final String COLLECTION = "load-scifact";

    private record Outcome(int status, long nanos) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Benchmarks.options(args);
        Path scifact = Path.of(options.getOrDefault("scifact", "../shared/eval/scifact"));
        String dbUrl = options.getOrDefault("db", "jdbc:postgresql://127.0.0.1:5432/lore_bench");
        Path out = Path.of(options.getOrDefault("out", "bench/results/" + java.time.LocalDate.now()
                + "-load-shedding.md"));
        int documents = Integer.parseInt(options.getOrDefault("documents", "1000"));
        Duration perLevel = Duration.ofSeconds(Long.parseLong(options.getOrDefault("seconds", "20")));
        List<Integer> levels = Arrays.stream(options.getOrDefault("clients", "50,200,400").split(","))
                .map(Integer::parseInt).toList();
        boolean compare = Boolean.parseBoolean(options.getOrDefault("compare", "true"));
        JsonMapper json = JsonMapper.builder().build();
        BeirDataset dataset = BeirDataset.load(scifact, "test", json);
        List<String> queries = new ArrayList<>(dataset.queries().values());

        StringBuilder report = new StringBuilder("# Load shedding: concurrent /search clients\n\nRun ")
                .append(Instant.now()).append(" on ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores, Java ").append(System.getProperty("java.version")).append(", ").append(documents)
                .append(" SciFact documents, hybrid search (top 10), ").append(perLevel.toSeconds())
                .append(" s per level after a warm-up, clients looping without pause; a shed client waits the ")
                .append("Retry-After it is given. Latencies are client-side, over loopback.\n\n")
                .append("| admission | clients | requests | admitted | shed | shed rate | admitted/s | p50 ms "
                        + "| p95 ms | max ms | shed answered in p95 ms |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        List<Boolean> modes = compare ? List.of(true, false) : List.of(true);
        for (boolean admission : modes) {
            try (ConfigurableApplicationContext app = Benchmarks.start("all-minilm-l6-v2-q", dbUrl,
                    "--lore.admission.enabled=" + admission,
                    "--lore.admission.max-concurrent=" + options.getOrDefault("max-concurrent", "0"),
                    "--lore.admission.max-wait=" + options.getOrDefault("max-wait", "250ms"))) {
                int port = ((WebServerApplicationContext) app).getWebServer().getPort();
                ensureCollection(app, new BenchClient(port, json), dataset, documents);
                var gauge = app.getBean(io.micrometer.core.instrument.MeterRegistry.class)
                        .find("resilience4j.bulkhead.max.allowed.concurrent.calls").tag("name", "admission").gauge();
                String limit = gauge == null ? "?" : String.valueOf((int) gauge.value());
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
                run(http, port, json, queries, 8, Duration.ofSeconds(10));
                for (int clients : levels) {
                    List<Outcome> outcomes = run(http, port, json, queries, clients, perLevel);
                    String row = row(admission ? "on (" + limit + " at once)" : "off", clients, outcomes, perLevel);
                    System.out.print(row);
                    report.append(row);
                    Files.createDirectories(out.toAbsolutePath().getParent());
                    Files.writeString(out, report);
                }
            }
        }
        System.exit(0);
    }

    private static void ensureCollection(ConfigurableApplicationContext app, BenchClient client, BeirDataset dataset,
            int documents) {
        JdbcClient jdbc = app.getBean(JdbcClient.class);
        long stored = jdbc.sql("""
                SELECT count(*) FROM documents d JOIN collections c ON c.id = d.collection_id WHERE c.name = :n""")
                .param("n", COLLECTION).query(Long.class).single();
        if (stored == documents) {
            return;
        }
        jdbc.sql("DELETE FROM collections WHERE name = :n").param("n", COLLECTION).update();
        client.post("/api/v1/collections", Map.of("name", COLLECTION));
        Benchmarks.load(app, client, COLLECTION, dataset.corpus().subList(0, documents));
    }

    /** {@code clients} threads searching until {@code duration} has passed; in-flight requests are let finish. */
    private static List<Outcome> run(HttpClient http, int port, JsonMapper json, List<String> queries, int clients,
            Duration duration) throws InterruptedException {
        ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        long deadline = System.nanoTime() + duration.toNanos();
        CountDownLatch done = new CountDownLatch(clients);
        for (int i = 0; i < clients; i++) {
            Thread client = new Thread(() -> {
                try {
                    while (System.nanoTime() < deadline) {
                        String query = queries.get(ThreadLocalRandom.current().nextInt(queries.size()));
                        String body = json.writeValueAsString(Map.of("collection", COLLECTION, "query", query,
                                "mode", "hybrid", "topK", 10));
                        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                                + "/api/v1/search")).timeout(Duration.ofSeconds(120))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
                        long start = System.nanoTime();
                        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                        outcomes.add(new Outcome(response.statusCode(), System.nanoTime() - start));
                        if (response.statusCode() == 503) {
                            long retryAfter = response.headers().firstValue("Retry-After").map(Long::parseLong)
                                    .orElse(1L);
                            Benchmarks.sleep(Duration.ofSeconds(retryAfter));
                        }
                    }
                }
                catch (IOException e) {
                    outcomes.add(new Outcome(-1, 0));
                }
                catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                finally {
                    done.countDown();
                }
            }, "load-client-" + i);
            client.setDaemon(true);
            client.start();
        }
        done.await();
        return new ArrayList<>(outcomes);
    }

    private static String row(String admission, int clients, List<Outcome> outcomes, Duration duration) {
        long[] admitted = outcomes.stream().filter(o -> o.status() == 200).mapToLong(Outcome::nanos).toArray();
        long[] shed = outcomes.stream().filter(o -> o.status() == 503).mapToLong(Outcome::nanos).toArray();
        long other = outcomes.size() - admitted.length - shed.length;
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("requests", outcomes.size() + (other > 0 ? " (" + other + " other)" : ""));
        return String.format(Locale.ROOT, "| %s | %d | %s | %d | %d | %.1f%% | %.1f | %s | %s | %s | %s |%n", admission,
                clients, row.get("requests"), admitted.length, shed.length,
                outcomes.isEmpty() ? 0 : 100.0 * shed.length / outcomes.size(),
                admitted.length / (double) duration.toSeconds(), ms(admitted, 50), ms(admitted, 95), ms(admitted, 100),
                ms(shed, 95));
    }

    private static String ms(long[] nanos, double percentile) {
        return nanos.length == 0 ? "-" : String.format(Locale.ROOT, "%.0f", RetrievalMetrics.percentile(nanos, percentile));
    }
}
