package dev.lore.models.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import dev.lore.agents.AnswerText;
import dev.lore.models.Cancellation;
import dev.lore.models.Completion;
import dev.lore.models.FinishReason;
import dev.lore.models.GenerationOptions;
import dev.lore.models.GenerationRequest;
import dev.lore.models.ModelFailure;
import dev.lore.models.ResponseSchema;
import dev.lore.models.TokenLogprob;
import tools.jackson.databind.json.JsonMapper;

/**
 * Grammar-constrained generation on the tiny random-weight models of every architecture: random weights pick tokens
 * at random, so whatever the grammar allows they eventually write, and what they write must still parse, match the
 * prompt's schema and be read by the agent's reader.
 */
class GrammarConstrainedGenerationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final List<String> WORDS = List.of("Ada", "plans", "her", "morning", "at", "the", "library",
            "rates", "memories", "coffee", "talks", "with", "Bob", "about", "the", "harvest", "festival", "reflects",
            "on", "yesterday", "and", "ranks", "passages", "[1]", "[2]", "[3]", "07:00", "12:30", "a", "walk");
    private static final int PROMPTS = 100;
    private static final int MAX_TOKENS = 96;

    @TempDir
    Path scratch;

    /**
     * Each schema-holding prompt with the reader that reads its answers. The readers are package-private in their
     * own packages, so they are called by reflection rather than widened for this test.
     */
    private static Map<String, Function<String, Object>> readers() throws Exception {
        LocalDate day = LocalDate.of(2026, 12, 7);
        LocalDateTime nine = day.atTime(9, 0);
        Map<String, Function<String, Object>> readers = new LinkedHashMap<>();
        readers.put("agent-plan-day", reader("dev.lore.agents.planning.Planner", "outline", String.class)
            .andThenArguments());
        readers.put("agent-plan-hours", reader("dev.lore.agents.planning.Planner", "blocks", String.class,
                LocalDate.class, String.class).andThenArguments(day, "home"));
        readers.put("agent-plan-actions", reader("dev.lore.agents.planning.Planner", "actions", String.class,
                LocalDateTime.class, LocalDateTime.class, String.class).andThenArguments(nine, nine.plusHours(1),
                        "home"));
        readers.put("agent-react", reader("dev.lore.agents.simulation.AgentTurn", "parse", String.class, List.class)
            .andThenArguments(List.of("Bob")));
        readers.put("agent-converse", reader("dev.lore.agents.conversation.Conversations", "utterance", String.class,
                String.class).andThenArguments("Ada"));
        readers.put("agent-reflection-questions", reader("dev.lore.agents.reflection.Reflector", "questions",
                String.class, int.class).andThenArguments(3));
        readers.put("agent-reflection-insights", reader("dev.lore.agents.reflection.Reflector", "insights",
                String.class, List.class, LocalDateTime.class, int.class).andThenArguments(List.of(), nine, 5));
        Method importance = method("dev.lore.agents.memory.ImportanceRater", "parse", Completion.class);
        readers.put("agent-importance", answer -> invoke(importance, new Completion(answer, List.of(),
                FinishReason.STOP)));
        readers.put("rerank-listwise", reader("dev.lore.retrieval.rerank.LlmReranker", "permutation", String.class,
                int.class).andThenArguments(3));
        return readers;
    }

    @ParameterizedTest
    @EnumSource(TinyGguf.Architecture.class)
    void randomWeightsUnderEverySchemaWriteAnswersThatParseMatchAndRead(TinyGguf.Architecture architecture)
            throws Exception {
        Map<String, Function<String, Object>> readers = readers();
        List<String> prompts = new ArrayList<>(readers.keySet());
        SplittableRandom random = new SplittableRandom(architecture.ordinal());
        try (LocalGenerator generator = open(architecture)) {
            assertThat(generator.capabilities().structuredOutput()).isTrue();
            int closedByBudget = 0;
            for (int i = 0; i < PROMPTS; i++) {
                String name = prompts.get(i % prompts.size());
                String schemaText = Files.readString(Path.of("prompts", name + ".schema.json"));
                GenerationOptions options = GenerationOptions.DEFAULTS.withTemperature(1.0).withSeed((long) i)
                    .withMaxTokens(MAX_TOKENS);
                GenerationRequest request = GenerationRequest.of(randomPrompt(random), options)
                    .withSchema(new ResponseSchema(name.replace('-', '_'), schemaText));

                Completion answer = generator.generate(request).first();

                String context = architecture + " " + name + " #" + i + ": " + answer.text();
                assertThat(answer.finishReason()).as(context).isEqualTo(FinishReason.STOP);
                assertThat(JSON.readTree(answer.text()).isObject()).as(context).isTrue();
                Schema schema = SCHEMAS.getSchema(schemaText, InputFormat.JSON);
                List<Error> errors = schema.validate(answer.text(), InputFormat.JSON);
                assertThat(errors).as(context).isEmpty();
                assertThat(AnswerText.json(answer.text())).as(context).isPresent();
                readers.get(name).apply(answer.text());
                closedByBudget += tokens(generator, answer.text()) > MAX_TOKENS
                        - Math.min(LlamaEngine.CLOSING_TOKENS, MAX_TOKENS / 2) ? 1 : 0;
            }
            // random weights rarely end a string by themselves: answers were closed as the token budget ran out
            assertThat(closedByBudget).isPositive();
        }
    }

    @Test
    void aStreamedAnswerIsHeldToTheSchemaToo() throws Exception {
        try (LocalGenerator generator = open(TinyGguf.Architecture.GEMMA3)) {
            String schemaText = Files.readString(Path.of("prompts", "agent-converse.schema.json"));
            GenerationRequest request = GenerationRequest.of("Ada greets Bob.", GenerationOptions.DEFAULTS
                .withTemperature(1.0).withSeed(5L).withMaxTokens(MAX_TOKENS))
                .withSchema(new ResponseSchema("converse", schemaText));
            StringBuilder streamed = new StringBuilder();

            Completion answer = generator.stream(request, streamed::append, Cancellation.none()).first();

            assertThat(streamed.toString()).isEqualTo(answer.text());
            assertThat(SCHEMAS.getSchema(schemaText, InputFormat.JSON).validate(answer.text(), InputFormat.JSON))
                .isEmpty();
        }
    }

    @Test
    void referenceCopyDraftsLeaveAGreedyConstrainedAnswerUnchanged() throws Exception {
        Path gguf = TinyGguf.write(scratch.resolve("drafts.gguf"), 11, TinyGguf.CHATML, TinyGguf.Architecture.QWEN2);
        LocalProperties properties = LocalProperties.of(gguf).withContextSize(256).withThreads(1)
            .withPool(1, 0, Duration.ofSeconds(30));
        String schemaText = Files.readString(Path.of("prompts", "agent-reflection-questions.schema.json"));
        GenerationRequest request = GenerationRequest.of("questions questions questions about the festival",
                GenerationOptions.DEFAULTS.withTemperature(0.0).withMaxTokens(MAX_TOKENS))
            .withSchema(new ResponseSchema("questions", schemaText));
        try (LocalGenerator drafting = LocalGenerator.open(properties.withReferenceCopyTokens(8));
                LocalGenerator plain = LocalGenerator.open(properties.withReferenceCopyTokens(0))) {

            String drafted = drafting.generate(request).first().text();

            assertThat(drafted).isEqualTo(plain.generate(request).first().text());
            assertThat(JSON.readTree(drafted).has("questions")).isTrue();
        }
    }

    @Test
    void anAnswerCutBeforeItsJsonClosesIsReportedAsCutAndItsReaderFallsBack() throws Exception {
        try (LocalGenerator generator = open(TinyGguf.Architecture.LLAMA)) {
            String schemaText = Files.readString(Path.of("prompts", "agent-plan-hours.schema.json"));
            GenerationRequest request = GenerationRequest.of("Plan Ada's hours.", GenerationOptions.DEFAULTS
                .withTemperature(1.0).withSeed(3L).withMaxTokens(6))
                .withSchema(new ResponseSchema("hours", schemaText));

            Completion answer = generator.generate(request).first();

            assertThat(answer.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(answer.text()).startsWith("{");
            assertThat(AnswerText.json(answer.text())).isEmpty();
            // an empty reading is what makes AgentModel ask again and then fall back, counted
            assertThat((List<?>) readers().get("agent-plan-hours").apply(answer.text())).isEmpty();
        }
    }

    @Test
    void logprobsUnderTheGrammarAreTheModelsOwnNotTheMaskedDistribution() throws Exception {
        try (LocalGenerator generator = open(TinyGguf.Architecture.QWEN3)) {
            String schemaText = Files.readString(Path.of("prompts", "agent-importance.schema.json"));
            GenerationRequest request = GenerationRequest.of("Rate: 1. Ada had coffee.", GenerationOptions.DEFAULTS
                .withTemperature(0.0).withMaxTokens(MAX_TOKENS).withLogprobs(5))
                .withSchema(new ResponseSchema("importance", schemaText));

            LlamaEngine.Sampled sampled = generator.sampleOne(request, text -> {
            }, Cancellation.none());

            assertThat(JSON.readTree(sampled.text()).has("ratings")).isTrue();
            List<TokenLogprob> scored = generator.scoreTokens(generator.promptTokens(request.messages()),
                    sampled.tokenIds(), 5);
            assertThat(sampled.logprobs()).hasSameSizeAs(scored);
            for (int i = 0; i < scored.size(); i++) {
                assertThat(sampled.logprobs().get(i).logprob()).isCloseTo(scored.get(i).logprob(), within(1e-3));
                assertThat(sampled.logprobs().get(i).top().get(0).token())
                    .isEqualTo(scored.get(i).top().get(0).token());
            }
            // the grammar forces "{" and the key's characters, which random weights find unlikely: a masked and
            // renormalised distribution would give them probability 1 (logprob 0)
            assertThat(sampled.logprobs().get(0).token()).isEqualTo("{");
            assertThat(sampled.logprobs().get(0).logprob()).isLessThan(-1f);
        }
    }

    @Test
    void aSchemaLlamaCppCannotConvertIsAModelFailureThatNamesTheProblem() throws Exception {
        try (LocalGenerator generator = open(TinyGguf.Architecture.LLAMA)) {
            GenerationRequest request = GenerationRequest.of("Hi", GenerationOptions.DEFAULTS.withMaxTokens(4))
                .withSchema(new ResponseSchema("broken", "{\"type\": \"object\", \"properties\": {\"a\": "
                        + "{\"$ref\": \"#/definitions/missing\"}}}"));

            assertThatThrownBy(() -> generator.generate(request)).isInstanceOf(ModelFailure.class)
                .hasMessageContaining("grammar");
        }
    }

    @Test
    void theGrammarComesFromLlamaCppsConverterWithCompactWhitespace() throws Exception {
        try (LocalGenerator generator = open(TinyGguf.Architecture.LLAMA)) {
            String grammar = generator.engine().grammar(new ResponseSchema("question",
                    Files.readString(Path.of("prompts", "agent-reflection-questions.schema.json"))));

            assertThat(grammar).contains("root ::= \"{\" space").contains("\"\\\"questions\\\"\"")
                .contains("space ::= \" \"?");
        }
    }

    private LocalGenerator open(TinyGguf.Architecture architecture) throws Exception {
        Path gguf = TinyGguf.write(scratch.resolve(architecture.gguf + ".gguf"), 11, TinyGguf.CHATML, architecture);
        return LocalGenerator.open(LocalProperties.of(gguf).withContextSize(256).withThreads(1)
            .withPool(1, 0, Duration.ofSeconds(30)));
    }

    private static int tokens(LocalGenerator generator, String text) {
        return generator.engine().tokenize(text, false, false).length;
    }

    private static String randomPrompt(SplittableRandom random) {
        StringBuilder prompt = new StringBuilder();
        int words = 3 + random.nextInt(12);
        for (int i = 0; i < words; i++) {
            prompt.append(i == 0 ? "" : " ").append(WORDS.get(random.nextInt(WORDS.size())));
        }
        return prompt.toString();
    }

    /** A static reader taking the answer first and fixed further arguments. */
    private interface Reader {

        Object read(String answer, Object... rest);

        default Function<String, Object> andThenArguments(Object... rest) {
            return answer -> read(answer, rest);
        }
    }

    private static Reader reader(String type, String name, Class<?>... parameters) throws Exception {
        Method method = method(type, name, parameters);
        return (answer, rest) -> {
            Object[] arguments = new Object[rest.length + 1];
            arguments[0] = answer;
            System.arraycopy(rest, 0, arguments, 1, rest.length);
            return invoke(method, arguments);
        };
    }

    private static Method method(String type, String name, Class<?>... parameters) throws Exception {
        Method method = Class.forName(type).getDeclaredMethod(name, parameters);
        method.setAccessible(true);
        return method;
    }

    private static Object invoke(Method method, Object... arguments) {
        try {
            return method.invoke(null, arguments);
        }
        catch (InvocationTargetException ex) {
            throw new AssertionError(method.getName() + " failed on a schema-valid answer", ex.getCause());
        }
        catch (IllegalAccessException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
