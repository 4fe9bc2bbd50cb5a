package dev.lore.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.lore.LoreApplication;
import dev.lore.models.backend.GeneratorBackend;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The answers benchmark on the 18F handbook ({@code ../shared/eval/handbook}) with the labelled questions of
 * {@code bench/handbook-answers.json}: calibrates the refusal threshold from each question's support, scores
 * extractive answers and answers from an instantly answering in-process fake generator through
 * {@code POST /api/v1/evaluations/answers}, and compares {@code /answer}'s p50 with {@code /search}'s in the same
 * run. Run by {@code bench/answers.sh}; writes {@code bench/results/<date>-handbook-answers.md}.
 */
public final class HandbookAnswers {

    static final String COLLECTION = "handbook-answers";

    /** A generator backend {@code instant} that answers every prompt at once with one cited sentence. */
    @Configuration(proxyBeanMethods = false)
    static class InstantGenerator {

        @Bean
        GeneratorBackend instantGeneratorBackend() {
            return InstantGenerators.backend("instant", request -> {
            });
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Benchmarks.options(args);
        Path handbook = Path.of(options.getOrDefault("handbook", "../shared/eval/handbook"));
        Path results = Path.of(options.getOrDefault("results", "bench/results"));
        String embedder = options.getOrDefault("embedder", "all-minilm-l6-v2-q");
        String dbUrl = options.getOrDefault("db", "jdbc:postgresql://127.0.0.1:5432/lore_bench");
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "3"));
        JsonMapper json = JsonMapper.builder().build();
        JsonNode questions = json.readTree(Files.readString(Path.of("bench/handbook-answers.json")));
        SpringApplication application = new SpringApplication(LoreApplication.class, InstantGenerator.class);
        try (ConfigurableApplicationContext app = application.run("--server.port=0",
                "--lore.models.embedder=" + embedder, "--lore.security.enabled=false", "--spring.datasource.url="
                        + dbUrl, "--spring.main.banner-mode=off", "--logging.level.root=WARN",
                "--logging.level.dev.lore.requests=WARN", "--lore.documents.poll-interval=200ms",
                "--lore.generator=instant", "--lore.answers.evaluation.max-synchronous-answers=1000")) {
            BenchClient client = new BenchClient(((WebServerApplicationContext) app).getWebServer().getPort(), json);
            int chunks = options.containsKey("reuse") ? count(app) : ingest(app, client, handbook);
            if (options.containsKey("latency-only")) {
                System.out.println(latency(client, questions, rounds));
                System.exit(0);
            }

            JsonNode calibration = client.post("/api/v1/evaluations/answers", Map.of("collection", COLLECTION,
                    "questions", questions, "details", true, "configurations", List.of(Map.of("name",
                            "extractive, never refusing", "generator", "none", "minSupport", 0.0))));
            List<double[]> supports = new ArrayList<>();
            for (JsonNode answer : calibration.path("results").get(0).path("answers")) {
                boolean unanswerable = answer.path("id").asString().startsWith("u");
                supports.add(new double[] { answer.path("support").asDouble(), unanswerable ? 1 : 0 });
            }
            StringBuilder sweep = new StringBuilder("| threshold | unanswerable refused | answerable refused |\n"
                    + "|---|---|---|\n");
            double chosen = 0;
            double bestRecall = -1;
            for (int step = 20; step <= 60; step++) {
                double threshold = step / 100.0;
                int unanswerable = 0;
                int caught = 0;
                int answerable = 0;
                int wrong = 0;
                for (double[] s : supports) {
                    boolean refused = s[0] < threshold;
                    if (s[1] == 1) {
                        unanswerable++;
                        caught += refused ? 1 : 0;
                    }
                    else {
                        answerable++;
                        wrong += refused ? 1 : 0;
                    }
                }
                double recall = (double) caught / unanswerable;
                double lost = (double) wrong / answerable;
                if (step % 2 == 0 || lost <= 0.05 && recall > bestRecall) {
                    sweep.append(String.format(Locale.ROOT, "| %.2f | %d/%d | %d/%d |%n", threshold, caught,
                            unanswerable, wrong, answerable));
                }
                if (lost <= 0.05 && recall > bestRecall) {
                    bestRecall = recall;
                    chosen = threshold;
                }
            }
            StringBuilder perQuestion = new StringBuilder();
            for (JsonNode answer : calibration.path("results").get(0).path("answers")) {
                perQuestion.append(String.format(Locale.ROOT, "| %s | %.3f | %s |%n", answer.path("id").asString(),
                        answer.path("support").asDouble(), answer.path("containsAll").isNull() ? "-"
                                : answer.path("containsAll").asBoolean() ? "yes" : "no"));
            }

            JsonNode evaluation = client.post("/api/v1/evaluations/answers", Map.of("collection", COLLECTION,
                    "questions", questions, "configurations", List.of(
                            Map.of("name", "extractive (lore.generator=none)", "generator", "none"),
                            Map.of("name", "extractive, calibrated threshold", "generator", "none",
                                    "minSupport", chosen),
                            Map.of("name", "single, instant fake generator"),
                            Map.of("name", "flare, instant fake generator", "strategy", "flare"))));

            String latency = latency(client, questions, rounds);

            String report = "# 18F handbook: answers\n\nRun " + LocalDate.now() + " with " + embedder
                    + " by `bench/answers.sh`: " + chunks + " chunks; questions `bench/handbook-answers.json` ("
                    + calibration.path("answerable").asInt() + " answerable, each with strings copied from the page "
                    + "that answers it; " + (questions.size() - calibration.path("answerable").asInt())
                    + " that the handbook does not answer).\n\n"
                    + "## Answer quality (POST /api/v1/evaluations/answers)\n\n" + table(evaluation)
                    + "\nThe fake generator answers every question with the same cited sentence at once, so its rows "
                    + "measure cost, refusals and citation bookkeeping, not wording.\n\n"
                    + "## Refusal threshold\n\nSupport = the best retrieved chunk's cosine similarity to the question "
                    + "(hybrid retrieval, top 6). Threshold sweep (an answer is refused when support < threshold):\n\n"
                    + sweep + String.format(Locale.ROOT, "%nChosen: %.2f (the threshold catching the most "
                            + "unanswerable questions while refusing at most 5%% of answerable ones, half the 10%% the "
                            + "goal allows, as the margin for questions unlike these; calibrated and scored on the same "
                            + "questions, so an optimistic estimate).%n%n", chosen)
                    + "| question | support | extractive answer holds the expected strings |\n|---|---|---|\n"
                    + perQuestion
                    + "\n## Cost of answering\n\n" + latency;
            Files.createDirectories(results);
            Files.writeString(results.resolve(LocalDate.now() + "-handbook-answers.md"), report);
            System.out.println(report);
        }
        System.exit(0);
    }

    /** {@code /search} against {@code /answer} with the instant generator, alternating, on the same questions. */
    private static String latency(BenchClient client, JsonNode questions, int rounds) {
        List<Long> search = new ArrayList<>();
        List<Long> answer = new ArrayList<>();
        List<Long> answerRetrieval = new ArrayList<>();
        List<Long> answerGeneration = new ArrayList<>();
        List<Long> answerTotal = new ArrayList<>();
        List<Long> searchTotal = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            for (JsonNode question : questions) {
                String text = question.path("question").asString();
                long t = System.nanoTime();
                JsonNode searched = client.post("/api/v1/search", Map.of("collection", COLLECTION, "query", text,
                        "topK", 6));
                search.add(System.nanoTime() - t);
                searchTotal.add(searched.path("timingsMs").path("total").asLong() * 1_000_000);
                t = System.nanoTime();
                JsonNode answered = client.post("/api/v1/answer", Map.of("collection", COLLECTION,
                        "question", text, "minSupport", 0.0));
                answer.add(System.nanoTime() - t);
                answerRetrieval.add(answered.path("timingsMs").path("retrieval").asLong() * 1_000_000);
                answerGeneration.add(answered.path("timingsMs").path("generation").asLong() * 1_000_000);
                answerTotal.add(answered.path("timingsMs").path("total").asLong() * 1_000_000);
            }
        }
        double searchP50 = p50(search);
        double answerP50 = p50(answer);
        return String.format(Locale.ROOT, "%d rounds over the questions, one client: `/search` (hybrid, top 6) p50 "
                + "%.1f ms, `/answer` with the instant fake generator (refusal off) p50 %.1f ms: ratio %.2f. Inside "
                + "`/answer` (its own timingsMs, p50): retrieval %.0f ms, generation %.0f ms, total %.0f ms; inside "
                + "`/search`: total %.0f ms.%n", rounds, searchP50, answerP50, answerP50 / searchP50,
                p50(answerRetrieval), p50(answerGeneration), p50(answerTotal), p50(searchTotal))
                + String.format(Locale.ROOT, "The first round alone (no source's token count cached yet): `/search` "
                        + "p50 %.1f ms, `/answer` p50 %.1f ms, ratio %.2f.%n", p50(search.subList(0, questions.size())),
                        p50(answer.subList(0, questions.size())), p50(answer.subList(0, questions.size()))
                                / p50(search.subList(0, questions.size())));
    }

    private static int count(ConfigurableApplicationContext app) {
        return app.getBean(JdbcClient.class).sql("SELECT count(*) FROM chunks k JOIN collections c ON "
                + "c.id = k.collection_id WHERE c.name = :n").param("n", COLLECTION).query(Long.class).single()
                .intValue();
    }

    private static String table(JsonNode evaluation) {
        List<String> columns = List.of("containsAll", "answerableRefused", "refusalRecall", "refusalPrecision",
                "citationValidity", "citationPrecision", "citationRecall", "llmCallsPerAnswer",
                "promptTokensPerAnswer", "completionTokensPerAnswer", "p50Ms", "p95Ms");
        StringBuilder table = new StringBuilder("| configuration | " + String.join(" | ", columns) + " |\n|---|"
                + "---|".repeat(columns.size()) + "\n");
        for (JsonNode result : evaluation.path("results")) {
            table.append("| ").append(result.path("configuration").path("name").asString());
            for (String column : columns) {
                JsonNode value = result.path("metrics").path(column);
                table.append(" | ").append(value.isNull() || value.isMissingNode() ? "-" : value.toString());
            }
            table.append(" |\n");
        }
        return table.toString();
    }

    private static double p50(List<Long> nanos) {
        List<Long> sorted = nanos.stream().sorted().toList();
        return sorted.get(sorted.size() / 2) / 1e6;
    }

    static int ingest(ConfigurableApplicationContext app, BenchClient client, Path handbook)
            throws Exception {
        JdbcClient jdbc = app.getBean(JdbcClient.class);
        jdbc.sql("DELETE FROM collections WHERE name = :n").param("n", COLLECTION).update();
        client.post("/api/v1/collections", Map.of("name", COLLECTION));
        List<Path> pages;
        try (Stream<Path> files = Files.walk(handbook)) {
            pages = files.filter(f -> f.toString().endsWith(".md") && !f.getFileName().toString().equals("SOURCE.md"))
                    .sorted().toList();
        }
        List<String> ingestions = new ArrayList<>();
        Map<String, String> upload = new LinkedHashMap<>();
        for (int i = 0; i < pages.size(); i++) {
            upload.put(handbook.relativize(pages.get(i)).toString(), Files.readString(pages.get(i)));
            if (upload.size() == 40 || i == pages.size() - 1) {
                ingestions.add(client.uploadMarkdown("/api/v1/collections/" + COLLECTION + "/documents", upload)
                        .path("ingestionId").asString());
                upload.clear();
            }
        }
        for (String ingestion : ingestions) {
            JsonNode status;
            do {
                Benchmarks.sleep(Duration.ofMillis(200));
                status = client.get("/api/v1/ingestions/" + ingestion);
            } while (!status.path("status").asString().matches("DONE|FAILED"));
        }
        return jdbc.sql("SELECT count(*) FROM chunks k JOIN collections c ON c.id = k.collection_id "
                + "WHERE c.name = :n").param("n", COLLECTION).query(Long.class).single().intValue();
    }
}
