package dev.lore.support;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import dev.lore.models.Cancellation;
import dev.lore.models.ChatMessage;
import dev.lore.models.Completion;
import dev.lore.models.FinishReason;
import dev.lore.models.Generation;
import dev.lore.models.GenerationRequest;
import dev.lore.models.Generator;
import dev.lore.models.GeneratorCapabilities;
import dev.lore.models.TokenLogprob;
import dev.lore.models.Usage;

/**
 * A deterministic stand-in for a language model at the port: it writes numbered hypothetical passages that restate
 * the question, judges relevance by word overlap (with logprobs for Yes/No), and ranks numbered passage windows by
 * overlap like RankGPT would. It records every request.
 */
public final class FakeGenerator implements Generator {

    private static final Pattern PASSAGE = Pattern.compile("Passage: (.*?)\\nQuery: ([^\\n]*)\\n", Pattern.DOTALL);
    private static final Pattern NUMBERED = Pattern.compile("^\\[(\\d+)] (.*)$", Pattern.MULTILINE);
    private static final Pattern SEARCH_QUERY = Pattern.compile("Search query: (.*)\\n");

    private final GeneratorCapabilities capabilities;
    private final List<GenerationRequest> requests = new CopyOnWriteArrayList<>();

    public FakeGenerator(boolean logprobs, boolean n) {
        this.capabilities = new GeneratorCapabilities(logprobs, true, n, false, false);
    }

    public List<GenerationRequest> requests() {
        return requests;
    }

    @Override
    public String name() {
        return "fake:test";
    }

    @Override
    public GeneratorCapabilities capabilities() {
        return capabilities;
    }

    @Override
    public Generation generate(GenerationRequest request) {
        requests.add(request);
        String prompt = request.messages().get(request.messages().size() - 1).content();
        List<Completion> completions = new ArrayList<>();
        Matcher pointwise = PASSAGE.matcher(prompt);
        if (pointwise.find()) {
            completions.add(judge(pointwise.group(1), pointwise.group(2), request.options().logprobs()));
        }
        else if (prompt.contains("Rank the")) {
            completions.add(new Completion(rank(prompt), List.of(), FinishReason.STOP));
        }
        else {
            for (int i = 0; i < request.options().n(); i++) {
                int number = requests.size() * 100 + i;
                completions.add(new Completion("Hypothetical passage " + number + ": " + lastLine(prompt), List.of(),
                        FinishReason.STOP));
            }
        }
        return new Generation(name(), completions, new Usage(prompt.length() / 4, 10L * completions.size()));
    }

    @Override
    public Generation stream(GenerationRequest request, Consumer<String> onToken, Cancellation cancellation) {
        Generation generation = generate(request);
        onToken.accept(generation.text());
        return generation;
    }

    /** The share of the query's words found in {@code passage}. */
    public static double overlap(String query, String passage) {
        Set<String> queryWords = words(query);
        Set<String> passageWords = words(passage);
        long shared = queryWords.stream().filter(passageWords::contains).count();
        return queryWords.isEmpty() ? 0 : (double) shared / queryWords.size();
    }

    private static Completion judge(String passage, String query, boolean logprobs) {
        double yes = 0.05 + 0.9 * overlap(query, passage);
        double no = 1 - yes;
        String answer = yes >= no ? "Yes" : "No";
        if (!logprobs) {
            return new Completion(answer, List.of(), FinishReason.LENGTH);
        }
        List<TokenLogprob.Alternative> top = new ArrayList<>(List.of(
                new TokenLogprob.Alternative("Yes", Math.log(yes * 0.9)),
                new TokenLogprob.Alternative("No", Math.log(no * 0.9)),
                new TokenLogprob.Alternative(" maybe", Math.log(0.1))));
        top.sort(Comparator.comparingDouble(TokenLogprob.Alternative::logprob).reversed());
        double chosen = answer.equals("Yes") ? Math.log(yes * 0.9) : Math.log(no * 0.9);
        return new Completion(answer, List.of(new TokenLogprob(answer, chosen, top)), FinishReason.LENGTH);
    }

    private static String rank(String prompt) {
        Matcher queryMatcher = SEARCH_QUERY.matcher(prompt);
        String query = queryMatcher.find() ? queryMatcher.group(1) : "";
        List<String> passages = new ArrayList<>();
        Matcher numbered = NUMBERED.matcher(prompt);
        while (numbered.find()) {
            passages.add(numbered.group(2));
        }
        return IntStream.range(0, passages.size()).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -overlap(query, passages.get(i)))
                        .thenComparing(i -> i))
                .map(i -> "[" + (i + 1) + "]").collect(Collectors.joining(" > "));
    }

    private static Set<String> words(String text) {
        return new HashSet<>(Arrays.asList(text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")))
                .stream().filter(w -> w.length() > 2).collect(Collectors.toSet());
    }

    private static String lastLine(String prompt) {
        return Arrays.stream(prompt.split("\\n")).filter(line -> line.startsWith("Question:") || line.startsWith("Claim:"))
                .findFirst().map(line -> line.substring(line.indexOf(':') + 1).strip()).orElse(prompt);
    }

    /** Checks a conversation's last user turn, for assertions. */
    public static String lastUserTurn(GenerationRequest request) {
        return request.messages().stream().filter(m -> m.role() == ChatMessage.Role.USER)
                .reduce((a, b) -> b).map(ChatMessage::content).orElse("");
    }
}
