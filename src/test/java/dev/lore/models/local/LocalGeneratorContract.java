package dev.lore.models.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import dev.lore.models.Cancellation;
import dev.lore.models.ChatMessage;
import dev.lore.models.Completion;
import dev.lore.models.FinishReason;
import dev.lore.models.Generation;
import dev.lore.models.GenerationOptions;
import dev.lore.models.GenerationRequest;
import dev.lore.models.ModelUnavailable;
import dev.lore.models.TokenLogprob;

/** What the local engine promises, run against whichever GGUF model a subclass supplies. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class LocalGeneratorContract {

    private static final GenerationOptions SAMPLED = GenerationOptions.DEFAULTS.withTemperature(0.9).withTopP(0.95)
        .withSeed(42L).withMaxTokens(12).withLogprobs(5);

    @TempDir
    Path scratch;

    private LocalGenerator generator;

    /** The generator the contract's tests share, open for the whole class. */
    LocalGenerator openedGenerator() {
        return generator;
    }

    /** The GGUF model to run. */
    abstract Path model() throws IOException;

    LocalProperties properties() throws IOException {
        return LocalProperties.of(model()).withContextSize(256).withThreads(1);
    }

    @BeforeAll
    void open() throws IOException {
        generator = LocalGenerator.open(properties().withPool(2, 8, Duration.ofSeconds(120)));
    }

    @AfterAll
    void close() {
        if (generator != null) {
            generator.close();
        }
    }

    private static GenerationRequest ask(String question, GenerationOptions options) {
        return GenerationRequest.of(question, options);
    }

    @Test
    void aFixedSeedGivesTheSameCompletion() {
        Generation first = generator.generate(ask("Tell me about lore.", SAMPLED));
        Generation second = generator.generate(ask("Tell me about lore.", SAMPLED));
        assertThat(second.text()).isEqualTo(first.text());
        assertThat(second.first().tokens()).isEqualTo(first.first().tokens());
        assertThat(first.usage().promptTokens()).isPositive();
        assertThat(first.usage().completionTokens()).isEqualTo(first.first().tokens().size());
    }

    @Test
    void logprobsAreFiniteNonPositiveWithSortedAlternatives() {
        Completion completion = generator.generate(ask("Name a colour.", SAMPLED)).first();
        assertThat(completion.tokens()).isNotEmpty();
        for (TokenLogprob token : completion.tokens()) {
            assertThat(token.logprob()).isFinite().isLessThanOrEqualTo(0);
            assertThat(token.top()).hasSize(5);
            for (int i = 0; i < token.top().size(); i++) {
                assertThat(token.top().get(i).logprob()).isFinite().isLessThanOrEqualTo(0);
                if (i > 0) {
                    assertThat(token.top().get(i).logprob()).isLessThanOrEqualTo(token.top().get(i - 1).logprob());
                }
            }
            assertThat(token.logprob()).isLessThanOrEqualTo(token.top().get(0).logprob() + 1e-6);
        }
    }

    @Test
    void generatedLogprobsEqualTheScoreOfTheSameTokens() {
        GenerationRequest request = ask("Continue: once upon a time", SAMPLED);
        LlamaEngine.Sampled sampled = generator.sampleOne(request, text -> {
        }, Cancellation.none());
        assertThat(sampled.tokenIds()).isNotEmpty();
        List<TokenLogprob> scored = generator.scoreTokens(generator.promptTokens(request.messages()),
                sampled.tokenIds(), 5);
        assertThat(scored).hasSameSizeAs(sampled.logprobs());
        for (int i = 0; i < scored.size(); i++) {
            assertThat(scored.get(i).logprob()).isCloseTo(sampled.logprobs().get(i).logprob(), within(1e-4));
            assertThat(scored.get(i).token()).isEqualTo(sampled.logprobs().get(i).token());
        }
    }

    @Test
    void scoringTextGivesOneLogprobPerContinuationToken() {
        List<TokenLogprob> scored = generator.score(List.of(ChatMessage.user("Say hi.")), "Hi there!", 3);
        assertThat(scored).isNotEmpty();
        assertThat(String.join("", scored.stream().map(TokenLogprob::token).toList())).contains("Hi").contains("!");
        scored.forEach(token -> assertThat(token.logprob()).isFinite().isLessThanOrEqualTo(0));
    }

    @Test
    void streamingDeliversTheTextPieceByPiece() {
        List<String> pieces = new ArrayList<>();
        Generation generation = generator.stream(ask("Count.", SAMPLED.withMaxTokens(8)), pieces::add,
                Cancellation.none());
        assertThat(String.join("", pieces)).isEqualTo(generation.text());
    }

    @Test
    void cancellationStopsGenerationBetweenTokens() {
        Cancellation cancellation = new Cancellation();
        List<String> pieces = new ArrayList<>();
        Generation generation = generator.stream(ask("Write a long story.", SAMPLED.withMaxTokens(200)), piece -> {
            pieces.add(piece);
            cancellation.cancel();
        }, cancellation);
        assertThat(generation.first().finishReason()).isEqualTo(FinishReason.CANCELLED);
        assertThat(pieces).hasSize(1);
        assertThat(generation.usage().completionTokens()).isLessThan(200);

        Cancellation before = new Cancellation();
        before.cancel();
        Generation none = generator.stream(ask("Anything.", SAMPLED), piece -> {
        }, before);
        assertThat(none.first().finishReason()).isEqualTo(FinishReason.CANCELLED);
        assertThat(none.text()).isEmpty();
    }

    @Test
    void aStopStringEndsTheTextBeforeIt() {
        String free = generator.generate(ask("Tell me about lore.", SAMPLED)).text();
        assertThat(free).hasSizeGreaterThan(2);
        String stop = free.substring(1, 3);
        Completion stopped = generator.generate(ask("Tell me about lore.", SAMPLED.withStop(List.of(stop)))).first();
        assertThat(stopped.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(stopped.text()).isEqualTo(free.substring(0, free.indexOf(stop)));
    }

    @Test
    void nCompletionsComeBackTogether() {
        Generation generation = generator.generate(ask("Pick a word.", SAMPLED.withN(3).withMaxTokens(4)));
        assertThat(generation.completions()).hasSize(3);
    }

    @Test
    void eightConcurrentRequestsAllComplete() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Generation>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                GenerationOptions options = SAMPLED.withSeed((long) i).withMaxTokens(6);
                futures.add(pool.submit(() -> generator.generate(ask("Request number " + options.seed(), options))));
            }
            for (Future<Generation> future : futures) {
                assertThat(future.get(5, TimeUnit.MINUTES).completions()).hasSize(1);
            }
        }
        finally {
            pool.shutdownNow();
        }
    }

    @Test
    void overCapacityTheEngineAnswersBusy() throws Exception {
        try (LocalGenerator small = LocalGenerator.open(properties().withPool(1, 0, Duration.ofSeconds(5)))) {
            assertBusyWhileOneRequestRuns(small);
        }
        try (LocalGenerator queued = LocalGenerator.open(properties().withPool(1, 1, Duration.ofMillis(50)))) {
            assertBusyWhileOneRequestRuns(queued);
        }
    }

    private static void assertBusyWhileOneRequestRuns(LocalGenerator generator) throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Generation> running = pool.submit(() -> generator.stream(ask("Hold on.", SAMPLED.withMaxTokens(
                    50)), piece -> {
                        started.countDown();
                        await(finish);
                    }, Cancellation.none()));
            assertThat(started.await(2, TimeUnit.MINUTES)).isTrue();
            assertThatThrownBy(() -> generator.generate(ask("Me too.", SAMPLED)))
                .isInstanceOf(ModelUnavailable.class)
                .hasMessageContaining("at capacity");
            finish.countDown();
            assertThat(running.get(2, TimeUnit.MINUTES).completions()).hasSize(1);
        }
        finally {
            finish.countDown();
            pool.shutdownNow();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(2, TimeUnit.MINUTES);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aSharedPrefixIsReusedAndGivesTheSameLogprobsAsAFreshContext() throws Exception {
        List<ChatMessage> conversation = List.of(ChatMessage.system("You are terse."),
                ChatMessage.user("What is the capital of France?"));
        String answer = "Paris is the capital.";
        List<TokenLogprob> fresh;
        try (LocalGenerator cold = LocalGenerator.open(properties().withPool(1, 0, Duration.ofSeconds(5)))) {
            fresh = cold.score(conversation, answer, 3);
        }
        try (LocalGenerator warm = LocalGenerator.open(properties().withPool(1, 0, Duration.ofSeconds(5)))) {
            warm.score(conversation, "Lyon, I think.", 3);
            LlamaEngine.Slot slot = warm.engine().acquire();
            long decodedBefore = slot.decoded();
            warm.engine().release(slot);
            List<TokenLogprob> reused = warm.score(conversation, answer, 3);
            slot = warm.engine().acquire();
            long decoded = slot.decoded() - decodedBefore;
            warm.engine().release(slot);
            int total = warm.promptTokens(conversation).length + reused.size();
            assertThat(decoded).isLessThan(total);
            assertThat(reused).hasSameSizeAs(fresh);
            for (int i = 0; i < fresh.size(); i++) {
                assertThat(reused.get(i).logprob()).isCloseTo(fresh.get(i).logprob(), within(1e-4));
            }
        }
    }

    @Test
    void aPromptLongerThanTheContextFailsWithAnException() throws Exception {
        try (LocalGenerator tight = LocalGenerator.open(LocalProperties.of(model()).withContextSize(32)
            .withThreads(1)
            .withPool(1, 0, Duration.ofSeconds(5)))) {
            assertThatThrownBy(() -> tight.generate(ask("word ".repeat(100), SAMPLED)))
                .hasMessageContaining("context");
            assertThat(tight.generate(ask("Hi", SAMPLED.withMaxTokens(100))).first().tokens()).hasSizeLessThan(32);
        }
    }

    @Test
    void aMissingOrCorruptModelGivesAnExceptionAndTheJvmSurvives() throws Exception {
        assertThatThrownBy(() -> LocalGenerator.open(LocalProperties.of(scratch.resolve("missing.gguf"))))
            .isInstanceOf(LlamaException.class)
            .hasMessageContaining("no readable GGUF model");
        Path notGguf = Files.writeString(scratch.resolve("text.gguf"), "this is not a model");
        assertThatThrownBy(() -> LocalGenerator.open(LocalProperties.of(notGguf)))
            .isInstanceOf(LlamaException.class)
            .hasMessageContaining("not a GGUF file");
        byte[] garbage = new byte[4096];
        new java.util.Random(3).nextBytes(garbage);
        System.arraycopy("GGUF".getBytes(), 0, garbage, 0, 4);
        Path corrupt = Files.write(scratch.resolve("corrupt.gguf"), garbage);
        assertThatThrownBy(() -> LocalGenerator.open(LocalProperties.of(corrupt)))
            .isInstanceOf(LlamaException.class)
            .hasMessageContaining("could not load the model");
        Path tiny = TinyGguf.write(scratch.resolve("whole.gguf"), 11, null);
        byte[] bytes = Files.readAllBytes(tiny);
        Path truncated = Files.write(scratch.resolve("truncated.gguf"), java.util.Arrays.copyOf(bytes,
                bytes.length / 2));
        assertThatThrownBy(() -> LocalGenerator.open(LocalProperties.of(truncated)))
            .isInstanceOf(LlamaException.class)
            .hasMessageContaining("could not load the model");
        assertThat(generator.generate(ask("Still alive?", SAMPLED.withMaxTokens(2))).completions()).hasSize(1);
    }

    @Test
    void healthReportsTheModelAndItsPool() {
        assertThat(generator.health().getStatus().getCode()).isEqualTo("UP");
        assertThat(generator.health().getDetails()).containsEntry("contexts", 2);
        assertThat(generator.capabilities().logprobs()).isTrue();
        assertThat(generator.capabilities().scoring()).isTrue();
        assertThat(generator.capabilities().gpu()).isFalse();
        assertThat(generator.capabilities().structuredOutput()).isTrue();
    }
}
