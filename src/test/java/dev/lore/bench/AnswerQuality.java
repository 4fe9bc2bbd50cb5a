package dev.lore.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.lore.LoreApplication;
import dev.lore.answers.AnswersProperties;
import dev.lore.models.backend.GeneratorBackend;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Answer quality on questions people ask, per question set, with no real model: extractive answers (answer-string
 * match, refusals of answerable and unanswerable questions, citation precision and recall against the files that
 * answer), and, with a scripted generator that keeps the prompt it receives, <em>context recall</em> (every answer
 * string present in the prompt) for several source budgets; plus {@code /answer}'s p50 beside {@code /search}'s.
 * Question sets: the employees' development questions ({@code ../shared/eval/handbook-dev-questions.jsonl}), Lore's
 * own {@code bench/handbook-answers.json} and {@code bench/handbook-employee-questions.json}. Run by
 * {@code bench/answers.sh}; writes {@code bench/results/<date>-answer-quality.md}.
 */
public final class AnswerQuality {

    static final String COLLECTION = HandbookAnswers.COLLECTION;
    /** The last prompt the scripted generator received (the bench asks one question at a time). */
    static volatile String lastPrompt = "";

    @Configuration(proxyBeanMethods = false)
    static class PromptKeepingGenerator {

        @Bean
        GeneratorBackend promptKeepingBackend() {
            return InstantGenerators.backend("bench-prompts",
                    request -> lastPrompt = request.messages().get(request.messages().size() - 1).content());
        }
    }

    record Question(String set, String id, String question, List<String> contains, List<String> relevant,
            boolean unanswerable) {
    }

    /** {@code --embedder}: the in-process embedder every instance of this run uses; {@code null}: the default. */
    private static String embedder;

    /** The arguments, with the chosen embedder's when one was chosen. */
    private static String[] withEmbedder(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (embedder != null) {
            all.add("--lore.models.embedder=" + embedder);
        }
        return all.toArray(String[]::new);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Benchmarks.options(args);
        Path handbook = Path.of(options.getOrDefault("handbook", "../shared/eval/handbook"));
        Path results = Path.of(options.getOrDefault("results", "bench/results"));
        String dbUrl = options.getOrDefault("db", "jdbc:postgresql://127.0.0.1:5432/lore_bench");
        List<Integer> budgets = java.util.Arrays.stream(options.getOrDefault("context-tokens", "4096").split(","))
                .map(Integer::parseInt).toList();
        JsonMapper json = JsonMapper.builder().build();
        List<Question> questions = questions(json, options);
        embedder = options.get("embedder");
        StringBuilder report = new StringBuilder("# Answer quality on the 18F handbook\n\nRun " + LocalDate.now()
                + " by `bench/answers.sh` (" + (embedder == null ? "the default embedder" : embedder)
                + ", default settings unless named). Sets: "
                + sets(questions) + ".\n\n");
        Map<String, Map<Integer, double[]>> contextRecall = new LinkedHashMap<>();
        boolean reuse = options.containsKey("reuse");
        for (int b = 0; b < budgets.size(); b++) {
            int budget = budgets.get(b);
            SpringApplication application = new SpringApplication(LoreApplication.class,
                    PromptKeepingGenerator.class);
            try (ConfigurableApplicationContext app = application.run(withEmbedder("--server.port=0",
                    "--lore.security.enabled=false", "--spring.datasource.url=" + dbUrl,
                    "--spring.main.banner-mode=off", "--logging.level.root=WARN",
                    "--logging.level.dev.lore.requests=WARN", "--lore.documents.poll-interval=200ms",
                    "--lore.generator=bench-prompts", "--lore.answers.context-tokens=" + budget))) {
                BenchClient client = new BenchClient(((WebServerApplicationContext) app).getWebServer().getPort(),
                        json);
                if (b == 0 && !reuse) {
                    int chunks = HandbookAnswers.ingest(app, client, handbook);
                    report.append(chunks).append(" chunks.\n\n");
                }
                for (Question q : questions) {
                    if (q.unanswerable()) {
                        continue;
                    }
                    client.post("/api/v1/answer", Map.of("collection", COLLECTION, "question", q.question(),
                            "minSupport", 0.0));
                    boolean holds = containsAll(lastPrompt, q.contains());
                    double[] counts = contextRecall.computeIfAbsent(q.set(), k -> new LinkedHashMap<>())
                            .computeIfAbsent(budget, k -> new double[3]);
                    counts[0] += holds ? 1 : 0;
                    counts[1]++;
                    counts[2] += lastPrompt.split("\\s+").length;
                }
                if (b == budgets.size() - 1) {
                    report.append(extractive(client, questions,
                            app.getBean(AnswersProperties.class).extractiveChunks()));
                    report.append(latency(client, questions));
                }
            }
        }
        if (options.containsKey("calibrate")) {
            report.append(calibrate(json, dbUrl, questions));
        }
        report.append("\n## Context recall (scripted generator: every answer string in the prompt it receives)\n\n"
                + "| set | lore.answers.context-tokens | context recall | mean prompt words |\n|---|---|---|---|\n");
        contextRecall.forEach((set, byBudget) -> byBudget.forEach((budget, c) -> report.append(String.format(
                Locale.ROOT, "| %s | %d | %.3f (%d/%d) | %.0f |%n", set, budget, c[0] / c[1], (int) c[0],
                (int) c[1], c[2] / c[1]))));
        Files.createDirectories(results);
        Path file = results.resolve(LocalDate.now() + "-answer-quality" + options.getOrDefault("name", "") + ".md");
        Files.writeString(file, report.toString());
        System.out.println(report);
        System.exit(0);
    }

    /**
     * The refusal rule chosen by cross-validation: each question's dense similarity and its best sentence's
     * extractive score, read from {@code support} with {@code support-sentence-weight} 0 and 1 (support =
     * (1 - weight) * dense + weight * sentence).
     */
    private static String calibrate(JsonMapper json, String dbUrl, List<Question> questions) {
        double[][] supports = new double[2][questions.size()];
        for (int w = 0; w < 2; w++) {
            SpringApplication application = new SpringApplication(LoreApplication.class);
            try (ConfigurableApplicationContext app = application.run(withEmbedder("--server.port=0",
                    "--lore.security.enabled=false", "--spring.datasource.url=" + dbUrl,
                    "--spring.main.banner-mode=off", "--logging.level.root=WARN",
                    "--logging.level.dev.lore.requests=WARN", "--lore.answers.support-sentence-weight=" + w,
                    "--lore.answers.support-terms-weight=0"))) {
                BenchClient client = new BenchClient(((WebServerApplicationContext) app).getWebServer().getPort(),
                        json);
                for (int i = 0; i < questions.size(); i++) {
                    supports[w][i] = client.post("/api/v1/answer", Map.of("collection", COLLECTION, "question",
                            questions.get(i).question(), "generator", "none", "minSupport", 0.0))
                            .path("support").asDouble();
                }
            }
        }
        List<RefusalCalibration.Signals> signals = new ArrayList<>();
        for (int i = 0; i < questions.size(); i++) {
            Question q = questions.get(i);
            signals.add(new RefusalCalibration.Signals(q.set(), q.id(), supports[0][i], supports[1][i],
                    q.unanswerable()));
        }
        StringBuilder out = new StringBuilder("## Refusal calibration (no generator)\n\nSupport = (1 - weight) x dense + "
                + "weight x sentence: dense is the best hit's cosine similarity, sentence the extractive score of "
                + "the best sentence of the top hits (0.6 cosine + 0.4 idf-weighted word overlap). All " + signals.size() + " questions pooled; 5-fold "
                + "cross-validation repeated with 4 shuffles: each fold's threshold refuses at most 3% of the other "
                + "folds' answerable questions, and the held-out questions are scored with it.\n\n"
                + "| weight | threshold on all | answerable refused (held out) | unanswerable refused (held out) | "
                + "refusal precision |\n|---|---|---|---|---|\n");
        RefusalCalibration.Result best = null;
        for (int step = 0; step <= 10; step++) {
            double weight = step * 0.1;
            int a = 0;
            int ar = 0;
            int u = 0;
            int ur = 0;
            double threshold = 0;
            for (long seed = 1; seed <= 4; seed++) {
                RefusalCalibration.Result r = RefusalCalibration.crossValidate(signals, weight, 0.03, 5, seed);
                a += r.answerable();
                ar += r.answerableRefused();
                u += r.unanswerable();
                ur += r.unanswerableRefused();
                threshold = r.threshold();
            }
            RefusalCalibration.Result pooled = new RefusalCalibration.Result(weight, threshold, a, ar, u, ur);
            out.append(String.format(Locale.ROOT, "| %.2f | %.3f | %.3f %s | %.3f %s | %.3f %s |%n", weight,
                    threshold, (double) ar / a, RefusalCalibration.wilson(ar, a), pooled.refusalRecall(),
                    RefusalCalibration.wilson(ur, u), pooled.refusalPrecision(),
                    RefusalCalibration.wilson(ur, ar + ur)));
            if ((double) ar / a <= 0.05 && (best == null || pooled.refusalRecall() > best.refusalRecall())) {
                best = pooled;
            }
        }
        if (best != null) {
            double clear = RefusalCalibration.threshold(signals, 0, 0);
            out.append(String.format(Locale.ROOT, "%nChosen: weight %.2f, min-support %.3f (held out: %.3f of "
                    + "answerable refused, %.3f of unanswerable refused); with a generator (dense similarity alone, "
                    + "no extract is made), min-support-generated %.3f, below every answerable question's "
                    + "similarity.%n%n", best.weight(), best.threshold(),
                    (double) best.answerableRefused() / best.answerable(), best.refusalRecall(), clear));
        }
        out.append("<details><summary>Signals per question</summary>\n\n| set | id | unanswerable | dense | sentence |\n"
                + "|---|---|---|---|---|\n");
        signals.forEach(x -> out.append(String.format(Locale.ROOT, "| %s | %s | %s | %.3f | %.3f |%n", x.set(),
                x.id(), x.unanswerable() ? "yes" : "no", x.dense(), x.sentence())));
        return out.append("\n</details>\n\n").toString();
    }

    /** Extractive answers with the default settings: per set and per question. */
    private static String extractive(BenchClient client, List<Question> questions, int extractiveChunks) {
        Map<String, double[]> bySet = new LinkedHashMap<>();
        StringBuilder rows = new StringBuilder("| set | id | kind | support | refused | holds | cited | answer |\n"
                + "|---|---|---|---|---|---|---|---|\n");
        for (Question q : questions) {
            JsonNode answer = client.post("/api/v1/answer", Map.of("collection", COLLECTION, "question",
                    q.question(), "generator", "none"));
            boolean refused = !answer.path("grounded").asBoolean();
            boolean holds = !refused && containsAll(answer.path("answer").asString(), q.contains());
            List<String> cited = new ArrayList<>();
            answer.path("citations").forEach(c -> cited.add(c.path("source").asString()));
            // 0 answerable, 1 holds, 2 answerable refused, 3 unanswerable, 4 unanswerable refused, 5 citations,
            // 6 relevant citations, 7 relevant files, 8 relevant files cited, 9 an answering file first in the
            // search, 10 one among the top chunks an extractive answer reads
            double[] m = bySet.computeIfAbsent(q.set(), k -> new double[11]);
            if (q.unanswerable()) {
                m[3]++;
                m[4] += refused ? 1 : 0;
            }
            else {
                m[0]++;
                m[1] += holds ? 1 : 0;
                m[2] += refused ? 1 : 0;
                if (!refused) {
                    m[5] += cited.size();
                    m[6] += cited.stream().filter(q.relevant()::contains).count();
                    m[7] += q.relevant().size();
                    m[8] += q.relevant().stream().filter(cited::contains).count();
                }
                List<String> found = new ArrayList<>();
                client.post("/api/v1/search", Map.of("collection", COLLECTION, "query", q.question(), "topK",
                        extractiveChunks)).path("results").forEach(hit -> found.add(hit.path("source").asString()));
                m[9] += !found.isEmpty() && q.relevant().contains(found.get(0)) ? 1 : 0;
                m[10] += found.stream().anyMatch(q.relevant()::contains) ? 1 : 0;
            }
            rows.append(String.format(Locale.ROOT, "| %s | %s | %s | %.3f | %s | %s | %s | %s |%n", q.set(), q.id(),
                    q.unanswerable() ? "unanswerable" : "answerable", answer.path("support").asDouble(),
                    refused ? "yes" : "no", q.unanswerable() ? "-" : holds ? "yes" : "no",
                    String.join(", ", cited), answer.path("answer").asString().replace('|', '/').replace('\n', ' ')));
        }
        StringBuilder table = new StringBuilder("## Extractive answers (no generator, default settings)\n\n"
                + "| set | holds every answer string | answerable refused | unanswerable refused | "
                + "citation precision | citation recall | answering page first | answering page in the top "
                + extractiveChunks + " |\n|---|---|---|---|---|---|---|---|\n");
        bySet.forEach((set, m) -> table.append(String.format(Locale.ROOT,
                "| %s | %.3f (%d/%d) | %.3f (%d/%d) | %s | %.3f | %.3f | %.3f | %.3f |%n", set, m[1] / m[0],
                (int) m[1], (int) m[0], m[2] / m[0], (int) m[2], (int) m[0],
                m[3] == 0 ? "-" : String.format(Locale.ROOT, "%.3f (%d/%d)", m[4] / m[3], (int) m[4], (int) m[3]),
                m[5] == 0 ? 0 : m[6] / m[5], m[7] == 0 ? 0 : m[8] / m[7], m[9] / m[0], m[10] / m[0])));
        // refusals pooled over every set, with 95% Wilson intervals: each set alone is too small to say much
        int answerable = 0;
        int answerableRefused = 0;
        int unanswerable = 0;
        int unanswerableRefused = 0;
        for (double[] m : bySet.values()) {
            answerable += (int) m[0];
            answerableRefused += (int) m[2];
            unanswerable += (int) m[3];
            unanswerableRefused += (int) m[4];
        }
        int refusals = answerableRefused + unanswerableRefused;
        table.append(String.format(Locale.ROOT, "%nRefusals, all sets pooled (95%% intervals): unanswerable refused "
                + "%d/%d %s, answerable refused %d/%d %s, refusal precision %d/%d %s.%n", unanswerableRefused,
                unanswerable, RefusalCalibration.wilson(unanswerableRefused, unanswerable), answerableRefused,
                answerable, RefusalCalibration.wilson(answerableRefused, answerable), unanswerableRefused, refusals,
                RefusalCalibration.wilson(unanswerableRefused, refusals)));
        return table + "\nCitation precision: the share of citations whose file is one that answers the question; "
                + "recall: the share of answering files cited (answered answerable questions). The last two columns "
                + "are of retrieval alone (hybrid search, answerable questions): a file that answers is the first "
                + "hit, or is among the chunks an extractive answer quotes from.\n\n"
                + "<details><summary>Per question</summary>\n\n" + rows + "\n</details>\n\n";
    }

    private static String latency(BenchClient client, List<Question> questions) {
        List<Long> search = new ArrayList<>();
        List<Long> answer = new ArrayList<>();
        // the answer's own account of its time (whole milliseconds): where it goes beyond the search
        List<Long> retrieval = new ArrayList<>();
        List<Long> generation = new ArrayList<>();
        List<Long> total = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            for (Question q : questions) {
                long t = System.nanoTime();
                client.post("/api/v1/search", Map.of("collection", COLLECTION, "query", q.question(), "topK", 6));
                search.add(System.nanoTime() - t);
                t = System.nanoTime();
                JsonNode timings = client.post("/api/v1/answer", Map.of("collection", COLLECTION, "question",
                        q.question(), "minSupport", 0.0)).path("timingsMs");
                answer.add(System.nanoTime() - t);
                retrieval.add(timings.path("retrieval").asLong() * 1_000_000);
                generation.add(timings.path("generation").asLong() * 1_000_000);
                total.add(timings.path("total").asLong() * 1_000_000);
            }
        }
        double s = p50(search);
        double a = p50(answer);
        return String.format(Locale.ROOT, "## Latency\n\nTwo rounds over every question, one client, alternating: "
                + "`/search` (hybrid, top 6) p50 %.1f ms; `/answer` with the scripted generator (refusal off) p50 "
                + "%.1f ms; ratio %.2f. The answers' own timings, p50: retrieval %.0f ms, generation %.0f ms, "
                + "total %.0f ms.%n", s, a, a / s, p50(retrieval), p50(generation), p50(total));
    }

    static List<Question> questions(JsonMapper json, Map<String, String> options) throws Exception {
        List<Question> questions = new ArrayList<>();
        Path dev = Path.of(options.getOrDefault("dev", "../shared/eval/handbook-dev-questions.jsonl"));
        if (Files.exists(dev)) {
            for (String line : Files.readAllLines(dev)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode q = json.readTree(line);
                questions.add(new Question("dev", q.path("id").asString(), q.path("question").asString(),
                        strings(q.path("answer_contains")), strings(q.path("relevant")),
                        q.path("kind").asString().equals("unanswerable")));
            }
        }
        for (String file : List.of("bench/handbook-answers.json", "bench/handbook-employee-questions.json")) {
            Path path = Path.of(file);
            if (!Files.exists(path)) {
                continue;
            }
            String set = path.getFileName().toString().replace(".json", "");
            for (JsonNode q : json.readTree(Files.readString(path))) {
                List<String> contains = strings(q.path("answerContains"));
                questions.add(new Question(set, q.path("id").asString(), q.path("question").asString(), contains,
                        strings(q.path("relevant")), contains.isEmpty()));
            }
        }
        return questions;
    }

    private static String sets(List<Question> questions) {
        Map<String, int[]> counts = new LinkedHashMap<>();
        questions.forEach(q -> counts.computeIfAbsent(q.set(), k -> new int[2])[q.unanswerable() ? 1 : 0]++);
        List<String> parts = new ArrayList<>();
        counts.forEach((set, c) -> parts.add("`" + set + "` (" + c[0] + " answerable, " + c[1] + " unanswerable)"));
        return String.join(", ", parts);
    }

    private static List<String> strings(JsonNode array) {
        List<String> strings = new ArrayList<>();
        array.forEach(s -> strings.add(s.asString()));
        return strings;
    }

    static boolean containsAll(String text, List<String> needles) {
        String haystack = text.toLowerCase(Locale.ROOT);
        return needles.stream().allMatch(n -> haystack.contains(n.toLowerCase(Locale.ROOT)));
    }

    private static double p50(List<Long> nanos) {
        List<Long> sorted = nanos.stream().sorted().toList();
        return sorted.get(sorted.size() / 2) / 1e6;
    }
}
