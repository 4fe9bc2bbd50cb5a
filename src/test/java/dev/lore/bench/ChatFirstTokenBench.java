package dev.lore.bench;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import dev.lore.LoreApplication;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Time to the first streamed token through {@code POST /api/v1/chat} and through the OpenAI facade
 * ({@code /v1/chat/completions}, {@code "stream":true}), with an instantly answering fake generator, against the
 * retrieval time of the same question (the chat's {@code done} event reports it; the facade does not, so its own
 * chat request's retrieval stands for it). The difference is what the service adds before the first token:
 * prompt building, the history and session work, HTTP and SSE. Run by {@code bench/chat-first-token.sh}; writes
 * {@code bench/results/<date>-chat-first-token.md}.
 */
public final class ChatFirstTokenBench {

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Benchmarks.options(args);
        Path handbook = Path.of(options.getOrDefault("handbook", "../shared/eval/handbook"));
        String dbUrl = options.getOrDefault("db", "jdbc:postgresql://127.0.0.1:5432/lore_bench");
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "2"));
        JsonMapper json = JsonMapper.builder().build();
        JsonNode questions = json.readTree(Files.readString(Path.of("bench/handbook-answers.json")));
        SpringApplication application = new SpringApplication(LoreApplication.class,
                HandbookAnswers.InstantGenerator.class);
        try (ConfigurableApplicationContext app = application.run("--server.port=0",
                "--lore.security.enabled=false", "--spring.datasource.url=" + dbUrl, "--spring.main.banner-mode=off",
                "--logging.level.root=WARN", "--logging.level.dev.lore.requests=WARN",
                "--lore.documents.poll-interval=200ms", "--lore.generator=instant", "--lore.answers.min-support=0")) {
            int port = ((WebServerApplicationContext) app).getWebServer().getPort();
            BenchClient client = new BenchClient(port, json);
            int chunks = HandbookAnswers.ingest(app, client, handbook);
            HttpClient http = HttpClient.newHttpClient();
            List<double[]> chat = new ArrayList<>(); // first token ms, retrieval ms
            List<double[]> facade = new ArrayList<>();
            for (int round = -1; round < rounds; round++) { // round -1 warms up and is not counted
                for (JsonNode question : questions) {
                    String text = question.path("question").asString();
                    double[] viaChat = chat(http, json, port, text);
                    double firstFacade = facade(http, json, port, text);
                    if (round >= 0) {
                        chat.add(viaChat);
                        facade.add(new double[] { firstFacade, viaChat[1] });
                    }
                }
            }
            String report = "# Time to first token: /api/v1/chat and the OpenAI facade (" + LocalDate.now() + ")\n\n"
                    + "`bench/chat-first-token.sh`: the 18F handbook (" + chunks + " chunks), "
                    + questions.size() + " questions × " + rounds + " rounds after one warm-up round, an instantly "
                    + "answering fake generator that streams its answer as one token, all-MiniLM-L6-v2-q, 2 cores. "
                    + "Overhead = first token − the retrieval time of the same question.\n\n"
                    + "| path | first token p50 ms | retrieval p50 ms | overhead p50 ms | overhead p95 ms |\n"
                    + "|---|---|---|---|---|\n" + row("POST /api/v1/chat (SSE)", chat)
                    + row("POST /v1/chat/completions (stream)", facade)
                    + "\nThe facade reports no retrieval time; its row uses the same question's retrieval time from "
                    + "the chat request just before it (the same search).\n";
            Path out = Path.of("bench/results/" + LocalDate.now() + "-chat-first-token.md");
            Files.writeString(out, report);
            System.out.println(report);
        }
    }

    private static String row(String path, List<double[]> samples) {
        double[] first = samples.stream().mapToDouble(s -> s[0]).sorted().toArray();
        double[] retrieval = samples.stream().mapToDouble(s -> s[1]).sorted().toArray();
        double[] overhead = samples.stream().mapToDouble(s -> s[0] - s[1]).sorted().toArray();
        return String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f |%n", path, at(first, 0.5),
                at(retrieval, 0.5), at(overhead, 0.5), at(overhead, 0.95));
    }

    private static double at(double[] sorted, double quantile) {
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(quantile * sorted.length))];
    }

    /** {first token ms, retrieval ms} of one new chat session's first question. */
    private static double[] chat(HttpClient http, JsonMapper json, int port, String question) throws Exception {
        String body = json.writeValueAsString(Map.of("collection", HandbookAnswers.COLLECTION, "message", question));
        long start = System.nanoTime();
        double first = -1;
        double retrieval = -1;
        try (BufferedReader reader = open(http, port, "/api/v1/chat", body)) {
            String event = "";
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("event:")) {
                    event = line.substring(6).strip();
                }
                else if (line.startsWith("data:") && event.equals("token") && first < 0) {
                    first = (System.nanoTime() - start) / 1e6;
                }
                else if (line.startsWith("data:") && event.equals("done")) {
                    retrieval = json.readTree(line.substring(5)).path("timingsMs").path("retrieval").asDouble();
                }
            }
        }
        return new double[] { first, retrieval };
    }

    /** First content chunk's time through the OpenAI facade, streaming. */
    private static double facade(HttpClient http, JsonMapper json, int port, String question) throws Exception {
        String body = json.writeValueAsString(Map.of("model", "lore:" + HandbookAnswers.COLLECTION, "stream", true,
                "messages", List.of(Map.of("role", "user", "content", question))));
        long start = System.nanoTime();
        double first = -1;
        try (BufferedReader reader = open(http, port, "/v1/chat/completions", body)) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (first < 0 && line.startsWith("data:") && !line.contains("[DONE]")
                        && !json.readTree(line.substring(5)).path("choices").path(0).path("delta").path("content")
                                .asString("").isEmpty()) {
                    first = (System.nanoTime() - start) / 1e6;
                }
            }
        }
        return first;
    }

    private static BufferedReader open(HttpClient http, int port, String path, String body) throws Exception {
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(path + " answered " + response.statusCode());
        }
        return new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
    }
}
