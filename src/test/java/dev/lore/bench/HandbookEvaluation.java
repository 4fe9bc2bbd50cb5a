package dev.lore.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Ingests the 18F handbook ({@code ../shared/eval/handbook}, CC0) through the service, checks that every page ends
 * DONE with no template markup in any chunk, and scores search on {@code bench/handbook-questions.json} with the
 * evaluation harness. Run by {@code bench/handbook.sh}; writes {@code bench/results/handbook.md}.
 */
public final class HandbookEvaluation {

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Benchmarks.options(args);
        Path handbook = Path.of(options.getOrDefault("handbook", "../shared/eval/handbook"));
        Path results = Path.of(options.getOrDefault("results", "bench/results"));
        String embedder = options.getOrDefault("embedder", "all-minilm-l6-v2-q");
        String dbUrl = options.getOrDefault("db", "jdbc:postgresql://127.0.0.1:5432/lore_bench");
        JsonMapper json = JsonMapper.builder().build();
        JsonNode questions = json.readTree(Files.readString(Path.of("bench/handbook-questions.json")));
        Files.createDirectories(results);
        String lexical = options.getOrDefault("lexical", "sql");
        try (ConfigurableApplicationContext app = Benchmarks.start(embedder, dbUrl, Benchmarks.lexicalEngine(lexical))) {
            BenchClient client = new BenchClient(((WebServerApplicationContext) app).getWebServer().getPort(), json);
            JdbcClient jdbc = app.getBean(JdbcClient.class);
            String collection = "handbook-eval";
            jdbc.sql("DELETE FROM collections WHERE name = :n").param("n", collection).update();
            client.post("/api/v1/collections", Map.of("name", collection));
            List<Path> pages;
            try (Stream<Path> files = Files.walk(handbook)) {
                pages = files.filter(f -> f.toString().endsWith(".md") && !f.getFileName().toString().equals("SOURCE.md"))
                        .sorted().toList();
            }
            long start = System.nanoTime();
            List<String> ingestions = new java.util.ArrayList<>();
            Map<String, String> upload = new LinkedHashMap<>();
            for (int i = 0; i < pages.size(); i++) {
                upload.put(handbook.relativize(pages.get(i)).toString(), Files.readString(pages.get(i)));
                if (upload.size() == 40 || i == pages.size() - 1) {
                    ingestions.add(client.uploadMarkdown("/api/v1/collections/" + collection + "/documents", upload)
                            .path("ingestionId").asString());
                    upload.clear();
                }
            }
            long done = 0;
            List<String> failures = new java.util.ArrayList<>();
            for (String ingestion : ingestions) {
                JsonNode status;
                do {
                    Benchmarks.sleep(Duration.ofMillis(200));
                    status = client.get("/api/v1/ingestions/" + ingestion);
                } while (!status.path("status").asString().matches("DONE|FAILED"));
                for (JsonNode document : status.path("documents")) {
                    if (document.path("status").asString().equals("DONE")) {
                        done++;
                    }
                    else {
                        failures.add(document.path("source").asString() + ": " + document.path("error").asString());
                    }
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long chunks = jdbc.sql("SELECT count(*) FROM chunks k JOIN collections c ON c.id = k.collection_id "
                    + "WHERE c.name = :n").param("n", collection).query(Long.class).single();
            long markup = jdbc.sql("""
                    SELECT count(*) FROM chunks k JOIN collections c ON c.id = k.collection_id
                    WHERE c.name = :n AND (position('{%' in k.text) > 0 OR position('{{' in k.text) > 0
                      OR k.text ~ '(?n)^---\\s*$')""")
                    .param("n", collection).query(Long.class).single();
            String lexicalIndex = "";
            if (!lexical.equals("sql")) {
                lexicalIndex = "- lexical engine: " + lexical + ", index ready " + Benchmarks.awaitLexicalIndex(client,
                        collection) + " s after the load\n";
            }
            String report = client.postForText("/api/v1/evaluations", Map.of("collection", collection,
                    "questions", questions, "configurations", List.of(Map.of("mode", "lexical"),
                            Map.of("mode", "dense"), Map.of("mode", "hybrid"))));
            String markdown = "# 18F handbook: ingestion and retrieval\n\nRun " + Instant.now() + " with "
                    + embedder + " by `bench/handbook.sh`.\n\n"
                    + String.format(java.util.Locale.ROOT, "- pages: %d, DONE: %d, chunks: %d, ingestion %.1f s%n",
                            pages.size(), done, chunks, seconds)
                    + (failures.isEmpty() ? "" : "- not DONE: " + String.join("; ", failures) + "\n")
                    + lexicalIndex
                    + "- chunks holding template markup (`{%`, `{{`) or front-matter fences: " + markup + "\n"
                    + "- questions: `bench/handbook-questions.json` (" + questions.size()
                    + ", written by hand from the pages; each names the one page that answers it)\n\n" + report;
            Files.writeString(results.resolve("handbook.md"), markdown);
            System.out.println(markdown);
        }
        System.exit(0);
    }
}
