package dev.lore.models.openai;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.springframework.ai.openai.http.okhttp.SpringAiOpenAiHttpClient;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import com.openai.client.OpenAIClient;
import com.openai.client.OpenAIClientImpl;
import com.openai.core.ClientOptions;
import com.openai.core.JsonValue;
import com.openai.core.RequestOptions;
import com.openai.core.Timeout;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIInvalidDataException;
import com.openai.errors.OpenAIIoException;
import com.openai.errors.OpenAIRetryableException;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import com.openai.models.completions.CompletionUsage;

import dev.lore.models.Cancellation;
import dev.lore.models.ChatMessage;
import dev.lore.models.Completion;
import dev.lore.models.FinishReason;
import dev.lore.models.Generation;
import dev.lore.models.GenerationOptions;
import dev.lore.models.GenerationRequest;
import dev.lore.models.Generator;
import dev.lore.models.GeneratorCapabilities;
import dev.lore.models.ResponseSchema;
import dev.lore.models.TokenLogprob;
import dev.lore.models.Usage;
import dev.lore.models.backend.RemoteFailure;
import dev.lore.models.backend.Resilience;
import dev.lore.models.backend.ResilienceProperties;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Chat completions from an OpenAI-compatible server through the OpenAI Java SDK, with per-token log-probabilities:
 * Spring AI 2.0.1 drops them from its responses (spring-projects/spring-ai#6976), the SDK it brings keeps them.
 */
final class OpenAiGenerator implements Generator, HealthIndicator, AutoCloseable {


    private final OpenAIClient client;
    private final String model;
    private final String baseUrl;
    private final Resilience resilience;
    private final RequestOptions callOptions;
    private final RequestOptions streamOptions;
    private final RequestOptions probeOptions;
    private final GeneratorCapabilities capabilities;

    OpenAiGenerator(OpenAIClient client, String model, String baseUrl, Resilience resilience,
            boolean structuredOutput) {
        this.capabilities = new GeneratorCapabilities(true, true, true, false, false, structuredOutput);
        this.client = client;
        this.model = model;
        this.baseUrl = baseUrl;
        this.resilience = resilience;
        ResilienceProperties settings = resilience.settings();
        this.callOptions = RequestOptions.builder().timeout(Timeout.builder().connect(settings.connectTimeout())
                .read(settings.timeout()).write(settings.timeout()).request(settings.timeout()).build()).build();
        this.streamOptions = RequestOptions.builder().timeout(Timeout.builder().connect(settings.connectTimeout())
                .read(settings.timeout()).write(settings.timeout()).request(settings.streamTimeout()).build())
                .build();
        this.probeOptions = RequestOptions.builder().timeout(Timeout.builder().connect(settings.connectTimeout())
                .read(settings.connectTimeout()).request(settings.connectTimeout()).build()).build();
    }

    static OpenAiGenerator create(OpenAiProperties properties, ResilienceProperties settings, MeterRegistry meters) {
        return create(properties, settings, meters, true);
    }

    static OpenAiGenerator create(OpenAiProperties properties, ResilienceProperties settings, MeterRegistry meters,
            boolean structuredOutput) {
        SpringAiOpenAiHttpClient http = SpringAiOpenAiHttpClient.builder().timeout(settings.timeout()).build();
        String apiKey = properties.apiKey() == null || properties.apiKey().isBlank() ? "none" : properties.apiKey();
        ClientOptions options = ClientOptions.builder().httpClient(http).baseUrl(properties.apiUrl()).apiKey(apiKey)
                .maxRetries(0).timeout(settings.timeout()).build();
        return new OpenAiGenerator(new OpenAIClientImpl(options), properties.model(), properties.apiUrl(),
                Resilience.of("openai", settings, OpenAiGenerator::classify, meters), structuredOutput);
    }

    @Override
    public String name() {
        return "openai:" + model;
    }

    @Override
    public GeneratorCapabilities capabilities() {
        return capabilities;
    }

    @Override
    public Generation generate(GenerationRequest request) {
        ChatCompletionCreateParams params = params(request, request.options().n());
        return resilience.call(() -> generation(client.chat().completions().create(params, callOptions)));
    }

    @Override
    public Generation stream(GenerationRequest request, Consumer<String> onToken, Cancellation cancellation) {
        ChatCompletionCreateParams params = params(request, 1).toBuilder()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        AtomicBoolean delivered = new AtomicBoolean();
        return resilience.stream(() -> {
            try (StreamResponse<ChatCompletionChunk> chunks = client.chat().completions().createStreaming(params,
                    streamOptions)) {
                return streamed(chunks, onToken, cancellation, delivered);
            }
        }, delivered::get);
    }

    private Generation streamed(StreamResponse<ChatCompletionChunk> chunks, Consumer<String> onToken,
            Cancellation cancellation, AtomicBoolean delivered) {
        StringBuilder text = new StringBuilder();
        List<TokenLogprob> tokens = new ArrayList<>();
        FinishReason finish = null;
        Usage usage = Usage.NONE;
        String answeredBy = model;
        var iterator = chunks.stream().iterator();
        while (iterator.hasNext()) {
            if (cancellation.isCancelled()) {
                finish = FinishReason.CANCELLED;
                break;
            }
            ChatCompletionChunk chunk = iterator.next();
            answeredBy = chunk.model();
            Optional<CompletionUsage> reported = chunk.usage();
            if (reported.isPresent()) {
                usage = usage(reported.get());
            }
            for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                choice.logprobs().flatMap(ChatCompletionChunk.Choice.Logprobs::content)
                        .ifPresent(content -> content.forEach(token -> tokens.add(token(token))));
                Optional<String> piece = choice.delta().content().filter(content -> !content.isEmpty());
                if (piece.isPresent()) {
                    text.append(piece.get());
                    delivered.set(true);
                    onToken.accept(piece.get());
                }
                if (choice.finishReason().isPresent()) {
                    finish = FinishReason.fromWire(choice.finishReason().get().asString());
                }
            }
        }
        if (cancellation.isCancelled()) {
            finish = FinishReason.CANCELLED;
        }
        if (finish == null) {
            throw RemoteFailure.malformed("the stream ended without a finish reason", null);
        }
        return new Generation(answeredBy, List.of(new Completion(text.toString(), tokens, finish)), usage);
    }

    private ChatCompletionCreateParams params(GenerationRequest request, int n) {
        GenerationOptions options = request.options();
        ChatCompletionCreateParams.Builder params = ChatCompletionCreateParams.builder().model(model);
        for (ChatMessage message : request.messages()) {
            switch (message.role()) {
                case SYSTEM -> params.addSystemMessage(message.content());
                case USER -> params.addUserMessage(message.content());
                case ASSISTANT -> params.addAssistantMessage(message.content());
            }
        }
        if (options.temperature() != null) {
            params.temperature(options.temperature());
        }
        if (options.topP() != null) {
            params.topP(options.topP());
        }
        if (options.maxTokens() != null) {
            // max_tokens, not max_completion_tokens: every OpenAI-compatible server (vLLM, llama.cpp, LM Studio)
            // reads it, and OpenAI still accepts it for the chat models that return logprobs
            params.maxTokens(options.maxTokens().longValue());
        }
        if (!options.stop().isEmpty()) {
            params.stop(ChatCompletionCreateParams.Stop.ofStrings(options.stop()));
        }
        if (options.seed() != null) {
            params.seed(options.seed());
        }
        if (n > 1) {
            params.n((long) n);
        }
        if (request.schema() != null && capabilities.structuredOutput()) {
            params.responseFormat(responseFormat(request.schema()));
        }
        if (options.logprobs()) {
            params.logprobs(true);
            if (options.topLogprobs() > 0) {
                params.topLogprobs((long) options.topLogprobs());
            }
        }
        return params.build();
    }

    /**
     * {@code response_format} {@code json_schema}, strict: OpenAI, vLLM, llama.cpp's server and LM Studio then decode
     * only answers that match the schema.
     */
    static ResponseFormatJsonSchema responseFormat(ResponseSchema schema) {
        ResponseFormatJsonSchema.JsonSchema.Schema.Builder body = ResponseFormatJsonSchema.JsonSchema.Schema.builder();
        schema.asMap().forEach((key, value) -> body.putAdditionalProperty(key, JsonValue.from(value)));
        return ResponseFormatJsonSchema.builder().jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder()
                .name(schema.name()).schema(body.build()).strict(true).build()).build();
    }

    private Generation generation(ChatCompletion completion) {
        List<ChatCompletion.Choice> choices = new ArrayList<>(completion.choices());
        if (choices.isEmpty()) {
            throw RemoteFailure.malformed("the answer has no choices", null);
        }
        choices.sort(Comparator.comparingLong(ChatCompletion.Choice::index));
        List<Completion> completions = new ArrayList<>();
        for (ChatCompletion.Choice choice : choices) {
            List<TokenLogprob> tokens = choice.logprobs().flatMap(ChatCompletion.Choice.Logprobs::content)
                    .map(content -> content.stream().map(OpenAiGenerator::token).toList()).orElse(List.of());
            completions.add(new Completion(choice.message().content().orElse(""), tokens,
                    FinishReason.fromWire(choice.finishReason().asString())));
        }
        return new Generation(completion.model(), completions, completion.usage().map(OpenAiGenerator::usage)
                .orElse(Usage.NONE));
    }

    private static TokenLogprob token(ChatCompletionTokenLogprob token) {
        return new TokenLogprob(token.token(), token.logprob(), token.topLogprobs().stream()
                .map(top -> new TokenLogprob.Alternative(top.token(), top.logprob())).toList());
    }

    private static Usage usage(CompletionUsage usage) {
        return new Usage(usage.promptTokens(), usage.completionTokens());
    }

    static RemoteFailure classify(Throwable failure) {
        if (failure instanceof OpenAIServiceException service) {
            List<String> retryAfter = service.headers().values("Retry-After");
            return RemoteFailure.status(service.statusCode(), retryAfter.isEmpty() ? null : retryAfter.get(0),
                    service.getMessage(), failure);
        }
        if (failure instanceof OpenAIInvalidDataException) {
            return RemoteFailure.malformed("unreadable answer: " + failure.getMessage(), failure);
        }
        if (failure instanceof OpenAIIoException || failure instanceof OpenAIRetryableException) {
            return RemoteFailure.unavailable(failure.getMessage(), failure);
        }
        return null;
    }

    @Override
    public Health health() {
        try {
            client.models().list(probeOptions);
            return Health.up().withDetail("model", model).withDetail("baseUrl", baseUrl)
                    .withDetails(resilience.details()).build();
        }
        catch (RuntimeException failure) {
            return Health.down(failure).withDetail("model", model).withDetail("baseUrl", baseUrl)
                    .withDetails(resilience.details()).build();
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
