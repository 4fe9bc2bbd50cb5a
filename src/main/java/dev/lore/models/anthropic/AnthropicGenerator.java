package dev.lore.models.anthropic;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.springframework.ai.anthropic.AnthropicChatModel;
import org.springframework.ai.anthropic.AnthropicChatOptions;
import org.springframework.ai.anthropic.AnthropicSetup;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import com.anthropic.core.RequestOptions;
import com.anthropic.core.Timeout;
import com.anthropic.errors.AnthropicInvalidDataException;
import com.anthropic.errors.AnthropicIoException;
import com.anthropic.errors.AnthropicRetryableException;
import com.anthropic.errors.AnthropicServiceException;

import dev.lore.models.Cancellation;
import dev.lore.models.ChatMessage;
import dev.lore.models.Completion;
import dev.lore.models.FinishReason;
import dev.lore.models.Generation;
import dev.lore.models.GenerationOptions;
import dev.lore.models.GenerationRequest;
import dev.lore.models.Generator;
import dev.lore.models.GeneratorCapabilities;
import dev.lore.models.Usage;
import dev.lore.models.backend.ParallelGenerations;
import dev.lore.models.backend.RemoteFailure;
import dev.lore.models.backend.Resilience;
import dev.lore.models.backend.ResilienceProperties;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Claude through Spring AI's Anthropic chat model: no log-probabilities (the Messages API has none), streaming, and
 * several completions as concurrent calls. The SDK's retries are off; {@link Resilience} does them.
 */
final class AnthropicGenerator implements Generator, HealthIndicator {

    private static final GeneratorCapabilities CAPABILITIES = new GeneratorCapabilities(false, true, false, false,
            false, true);

    private final AnthropicChatModel chat;
    private final String model;
    private final int defaultMaxTokens;
    private final Resilience resilience;
    private final RequestOptions probeOptions;

    AnthropicGenerator(AnthropicChatModel chat, String model, int defaultMaxTokens, Resilience resilience) {
        this.chat = chat;
        this.model = model;
        this.defaultMaxTokens = defaultMaxTokens;
        this.resilience = resilience;
        this.probeOptions = RequestOptions.builder().timeout(Timeout.builder()
                .connect(resilience.settings().connectTimeout()).read(resilience.settings().connectTimeout())
                .request(resilience.settings().connectTimeout()).build()).build();
    }

    static AnthropicGenerator create(AnthropicProperties properties, ResilienceProperties settings,
            MeterRegistry meters) {
        // separate clients so that a whole answer is bounded by timeout and a stream by stream-timeout
        AnthropicChatModel chat = AnthropicChatModel.builder()
                .anthropicClient(AnthropicSetup.setupSyncClient(properties.baseUrl(), properties.apiKey(),
                        settings.timeout(), 0, null, Map.of()))
                .anthropicClientAsync(AnthropicSetup.setupAsyncClient(properties.baseUrl(), properties.apiKey(),
                        settings.streamTimeout(), 0, null, Map.of()))
                .options(AnthropicChatOptions.builder().model(properties.model())
                        .maxTokens(properties.chat().options().maxTokens()).build())
                .build();
        return new AnthropicGenerator(chat, properties.model(), properties.chat().options().maxTokens(),
                Resilience.of("anthropic", settings, AnthropicGenerator::classify, meters));
    }

    @Override
    public String name() {
        return "anthropic:" + model;
    }

    @Override
    public GeneratorCapabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public Generation generate(GenerationRequest request) {
        return ParallelGenerations.of(request.options().n(),
                index -> resilience.call(() -> generation(chat.call(prompt(request)))));
    }

    @Override
    public Generation stream(GenerationRequest request, Consumer<String> onToken, Cancellation cancellation) {
        Prompt prompt = prompt(request);
        AtomicBoolean delivered = new AtomicBoolean();
        return resilience.stream(() -> {
            StringBuilder text = new StringBuilder();
            Usage usage = Usage.NONE;
            String finish = null;
            String answeredBy = model;
            try (Stream<ChatResponse> responses = chat.stream(prompt).toStream(1)) {
                Iterator<ChatResponse> events = responses.iterator();
                while (events.hasNext()) {
                    if (cancellation.isCancelled()) {
                        break;
                    }
                    ChatResponse event = events.next();
                    usage = usage(event, usage);
                    answeredBy = modelOf(event, answeredBy);
                    for (org.springframework.ai.chat.model.Generation result : event.getResults()) {
                        String piece = result.getOutput().getText();
                        if (piece != null && !piece.isEmpty()) {
                            text.append(piece);
                            delivered.set(true);
                            onToken.accept(piece);
                        }
                        String reason = result.getMetadata().getFinishReason();
                        if (reason != null && !reason.isBlank()) {
                            finish = reason;
                        }
                    }
                }
            }
            FinishReason reason = cancellation.isCancelled() ? FinishReason.CANCELLED : FinishReason.fromWire(finish);
            return new Generation(answeredBy, List.of(new Completion(text.toString(), List.of(), reason)), usage);
        }, delivered::get);
    }

    private Prompt prompt(GenerationRequest request) {
        GenerationOptions options = request.options();
        List<Message> messages = new ArrayList<>();
        for (ChatMessage message : request.messages()) {
            messages.add(switch (message.role()) {
                case SYSTEM -> new SystemMessage(message.content());
                case USER -> new UserMessage(message.content());
                case ASSISTANT -> new AssistantMessage(message.content());
            });
        }
        AnthropicChatOptions.Builder call = AnthropicChatOptions.builder().model(model)
                .maxTokens(options.maxTokens() != null ? options.maxTokens() : defaultMaxTokens);
        if (options.temperature() != null) {
            // Anthropic's temperature runs from 0 to 1, Lore's from 0 to 2
            call.temperature(Math.min(1.0, options.temperature()));
        }
        if (options.topP() != null) {
            call.topP(options.topP());
        }
        if (!options.stop().isEmpty()) {
            call.stopSequences(options.stop());
        }
        if (request.schema() != null) {
            // Spring AI 2.0.1 sends it as the Messages API's native structured output (output_config.format), so no
            // forced tool is needed: the answer's text is the JSON
            call.outputSchema(request.schema().json());
        }
        return new Prompt(messages, call.build());
    }

    private Generation generation(ChatResponse response) {
        if (response == null || response.getResults().isEmpty()) {
            throw RemoteFailure.malformed("the answer has no content", null);
        }
        StringBuilder text = new StringBuilder();
        String finish = null;
        for (org.springframework.ai.chat.model.Generation result : response.getResults()) {
            if (result.getOutput().getText() != null) {
                text.append(result.getOutput().getText());
            }
            finish = result.getMetadata().getFinishReason();
        }
        return new Generation(modelOf(response, model), List.of(new Completion(text.toString(), List.of(),
                FinishReason.fromWire(finish))), usage(response, Usage.NONE));
    }

    private static String modelOf(ChatResponse response, String otherwise) {
        String reported = response.getMetadata() == null ? null : response.getMetadata().getModel();
        return reported == null || reported.isBlank() ? otherwise : reported;
    }

    private static Usage usage(ChatResponse response, Usage otherwise) {
        if (response.getMetadata() == null || response.getMetadata().getUsage() == null) {
            return otherwise;
        }
        Integer prompt = response.getMetadata().getUsage().getPromptTokens();
        Integer completion = response.getMetadata().getUsage().getCompletionTokens();
        if ((prompt == null || prompt == 0) && (completion == null || completion == 0)) {
            return otherwise;
        }
        return new Usage(prompt == null ? 0 : prompt, completion == null ? 0 : completion);
    }

    static RemoteFailure classify(Throwable failure) {
        if (failure instanceof AnthropicServiceException service) {
            List<String> retryAfter = service.headers().values("Retry-After");
            RemoteFailure classified = RemoteFailure.status(service.statusCode(),
                    retryAfter.isEmpty() ? null : retryAfter.get(0), service.getMessage(), failure);
            // 529 "overloaded" is Anthropic's busy signal
            return service.statusCode() == 529 ? RemoteFailure.status(429, retryAfter.isEmpty() ? null
                    : retryAfter.get(0), service.getMessage(), failure) : classified;
        }
        if (failure instanceof AnthropicInvalidDataException) {
            return RemoteFailure.malformed("unreadable answer: " + failure.getMessage(), failure);
        }
        if (failure instanceof AnthropicIoException || failure instanceof AnthropicRetryableException) {
            return RemoteFailure.unavailable(failure.getMessage(), failure);
        }
        return null;
    }

    @Override
    public Health health() {
        try {
            chat.getAnthropicClient().models().list(probeOptions);
            return Health.up().withDetail("model", model).withDetails(resilience.details()).build();
        }
        catch (RuntimeException failure) {
            return Health.down(failure).withDetail("model", model).withDetails(resilience.details()).build();
        }
    }
}
