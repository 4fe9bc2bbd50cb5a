package dev.lore.models.ollama;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;

import dev.lore.models.Cancellation;
import dev.lore.models.ChatMessage;
import dev.lore.models.Completion;
import dev.lore.models.FinishReason;
import dev.lore.models.Generation;
import dev.lore.models.GenerationOptions;
import dev.lore.models.GenerationRequest;
import dev.lore.models.Generator;
import dev.lore.models.GeneratorCapabilities;
import dev.lore.models.TokenLogprob;
import dev.lore.models.Usage;
import dev.lore.models.backend.ParallelGenerations;
import dev.lore.models.backend.RemoteFailure;
import dev.lore.models.backend.RemoteHttp;
import dev.lore.models.backend.Resilience;
import dev.lore.models.backend.ResilienceProperties;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.JsonNode;

/**
 * Chat with an Ollama server over its native {@code /api/chat}, JSON or NDJSON stream, with per-token
 * log-probabilities from Ollama 0.12.11 on and answers held to a JSON schema ({@code format}). It calls the API with Spring's {@code RestClient} rather than Spring AI's
 * {@code OllamaApi}, whose 2.0.1 {@code ChatRequest} and {@code ChatResponse} records carry no {@code logprobs}.
 * Several completions are several concurrent calls, as Ollama has no {@code n}.
 */
final class OllamaGenerator implements Generator, HealthIndicator {

    /** The first Ollama release whose {@code /api/chat} returns {@code logprobs}. */
    static final int[] LOGPROBS_SINCE = { 0, 12, 11 };

    private final RestClient http;
    private final RestClient probe;
    private final String model;
    private final String baseUrl;
    private final Resilience resilience;
    private volatile Boolean logprobs;

    OllamaGenerator(RestClient http, RestClient probe, String model, String baseUrl, Resilience resilience) {
        this.http = http;
        this.probe = probe;
        this.model = model;
        this.baseUrl = baseUrl;
        this.resilience = resilience;
    }

    static OllamaGenerator create(OllamaProperties properties, ResilienceProperties settings, MeterRegistry meters) {
        return new OllamaGenerator(RemoteHttp.restClient(properties.baseUrl(), settings, Map.of()),
                RemoteHttp.probeClient(properties.baseUrl(), settings, Map.of()), properties.model(),
                properties.baseUrl(), Resilience.of("ollama", settings, meters));
    }

    @Override
    public String name() {
        return "ollama:" + model;
    }

    /**
     * Logprobs are claimed only once the server has said it is 0.12.11 or later ({@code GET /api/version}); until it
     * answers, they are not, as older servers ignore the request for them silently.
     */
    @Override
    public GeneratorCapabilities capabilities() {
        return new GeneratorCapabilities(logprobs(), true, false, false, false, true);
    }

    private boolean logprobs() {
        Boolean known = logprobs;
        if (known == null) {
            try {
                JsonNode version = RemoteHttp.read(probe.get().uri("/api/version").retrieve().body(String.class),
                        "version");
                known = atLeast(version.path("version").asString(""), LOGPROBS_SINCE);
                logprobs = known;
            }
            catch (RuntimeException unreachable) {
                return false;
            }
        }
        return known;
    }

    static boolean atLeast(String version, int[] wanted) {
        String[] parts = version.replaceFirst("^v", "").split("[.-]");
        for (int i = 0; i < wanted.length; i++) {
            int part;
            try {
                part = i < parts.length ? Integer.parseInt(parts[i]) : 0;
            }
            catch (NumberFormatException notNumeric) {
                return false;
            }
            if (part != wanted[i]) {
                return part > wanted[i];
            }
        }
        return true;
    }

    @Override
    public Generation generate(GenerationRequest request) {
        return ParallelGenerations.of(request.options().n(), index -> resilience.call(() -> {
            String answer = http.post().uri("/api/chat").contentType(MediaType.APPLICATION_JSON)
                    .body(body(request, index, false)).retrieve().body(String.class);
            JsonNode root = RemoteHttp.read(answer, "answer");
            failIfError(root);
            List<TokenLogprob> tokens = new ArrayList<>();
            addTokens(root, tokens);
            return new Generation(root.path("model").asString(model), List.of(new Completion(
                    RemoteHttp.text(message(root), "content", "the answer's message"), tokens,
                    FinishReason.fromWire(root.path("done_reason").asString("stop")))), usage(root));
        }));
    }

    @Override
    public Generation stream(GenerationRequest request, Consumer<String> onToken, Cancellation cancellation) {
        String body = body(request, 0, true);
        AtomicBoolean delivered = new AtomicBoolean();
        return resilience.stream(() -> http.post().uri("/api/chat").contentType(MediaType.APPLICATION_JSON)
                .body(body).exchange((sent, response) -> {
                    if (response.getStatusCode().isError()) {
                        throw RemoteFailure.status(response.getStatusCode().value(),
                                response.getHeaders().getFirst("Retry-After"),
                                new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8), null);
                    }
                    // closing the reader ends the connection at once; Spring's close would read the stream to its end
                    try (BufferedReader lines = new BufferedReader(
                            new InputStreamReader(response.getBody(), StandardCharsets.UTF_8))) {
                        return streamed(lines, onToken, cancellation, delivered);
                    }
                }), delivered::get);
    }

    private Generation streamed(BufferedReader lines, Consumer<String> onToken, Cancellation cancellation,
            AtomicBoolean delivered) throws java.io.IOException {
        StringBuilder text = new StringBuilder();
        List<TokenLogprob> tokens = new ArrayList<>();
        String answeredBy = model;
        String line;
        while ((line = lines.readLine()) != null) {
            if (cancellation.isCancelled()) {
                return new Generation(answeredBy, List.of(new Completion(text.toString(), tokens,
                        FinishReason.CANCELLED)), Usage.NONE);
            }
            if (line.isBlank()) {
                continue;
            }
            JsonNode chunk = RemoteHttp.read(line, "stream line");
            failIfError(chunk);
            answeredBy = chunk.path("model").asString(answeredBy);
            addTokens(chunk, tokens);
            String piece = message(chunk).path("content").asString("");
            if (!piece.isEmpty()) {
                text.append(piece);
                delivered.set(true);
                onToken.accept(piece);
            }
            if (chunk.path("done").asBoolean(false)) {
                return new Generation(answeredBy, List.of(new Completion(text.toString(), tokens,
                        FinishReason.fromWire(chunk.path("done_reason").asString("stop")))), usage(chunk));
            }
        }
        if (cancellation.isCancelled()) {
            return new Generation(answeredBy, List.of(new Completion(text.toString(), tokens,
                    FinishReason.CANCELLED)), Usage.NONE);
        }
        throw RemoteFailure.unavailable("the stream ended before \"done\"", null);
    }

    private String body(GenerationRequest request, int index, boolean stream) {
        GenerationOptions options = request.options();
        Map<String, Object> sampling = new LinkedHashMap<>();
        if (options.temperature() != null) {
            sampling.put("temperature", options.temperature());
        }
        if (options.topP() != null) {
            sampling.put("top_p", options.topP());
        }
        if (options.maxTokens() != null) {
            sampling.put("num_predict", options.maxTokens());
        }
        if (!options.stop().isEmpty()) {
            sampling.put("stop", options.stop());
        }
        if (options.seed() != null) {
            sampling.put("seed", options.seed() + index);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        body.put("messages", request.messages().stream().map(message -> Map.of("role", role(message.role()),
                "content", message.content())).toList());
        body.put("stream", stream);
        body.put("options", sampling);
        if (request.schema() != null) {
            // Ollama 0.5 on constrains decoding to a JSON schema given as "format"
            body.put("format", request.schema().asMap());
        }
        if (options.logprobs()) {
            body.put("logprobs", true);
            body.put("top_logprobs", options.topLogprobs());
        }
        return RemoteHttp.write(body);
    }

    private static String role(ChatMessage.Role role) {
        return switch (role) {
            case SYSTEM -> "system";
            case USER -> "user";
            case ASSISTANT -> "assistant";
        };
    }

    private static JsonNode message(JsonNode root) {
        JsonNode message = root.get("message");
        if (message == null || !message.isObject()) {
            throw RemoteFailure.malformed("the answer has no message", null);
        }
        return message;
    }

    private static void failIfError(JsonNode root) {
        if (root.has("error")) {
            throw RemoteFailure.unavailable("Ollama reported: " + root.path("error").asString(""), null);
        }
    }

    private static void addTokens(JsonNode root, List<TokenLogprob> tokens) {
        JsonNode logprobs = root.get("logprobs");
        if (logprobs == null || logprobs.isNull()) {
            return;
        }
        if (!logprobs.isArray()) {
            throw RemoteFailure.malformed("'logprobs' is not a list", null);
        }
        for (JsonNode token : logprobs.values()) {
            List<TokenLogprob.Alternative> top = new ArrayList<>();
            for (JsonNode alternative : token.path("top_logprobs").values()) {
                top.add(new TokenLogprob.Alternative(RemoteHttp.text(alternative, "token", "a top logprob"),
                        RemoteHttp.number(alternative, "logprob", "a top logprob")));
            }
            tokens.add(new TokenLogprob(RemoteHttp.text(token, "token", "a logprob"),
                    RemoteHttp.number(token, "logprob", "a logprob"), top));
        }
    }

    private static Usage usage(JsonNode root) {
        return new Usage(root.path("prompt_eval_count").asLong(0), root.path("eval_count").asLong(0));
    }

    @Override
    public Health health() {
        try {
            JsonNode tags = RemoteHttp.read(probe.get().uri("/api/tags").retrieve().body(String.class), "model list");
            boolean pulled = tags.path("models").values().stream()
                    .anyMatch(each -> model.equals(each.path("name").asString(""))
                            || model.equals(each.path("model").asString(""))
                            || (model + ":latest").equals(each.path("name").asString("")));
            return Health.up().withDetail("model", model).withDetail("modelPulled", pulled)
                    .withDetail("baseUrl", baseUrl).withDetails(resilience.details()).build();
        }
        catch (RuntimeException failure) {
            return Health.down(failure).withDetail("model", model).withDetail("baseUrl", baseUrl)
                    .withDetails(resilience.details()).build();
        }
    }
}
