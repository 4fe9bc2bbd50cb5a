package dev.lore.answers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.context.properties.bind.DefaultValue;

import dev.lore.models.Embedder;
import dev.lore.models.onnx.OnnxEmbedders;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Measures {@code lore.answers.attribution.min-agreement} on a labelled set built from the 18F handbook
 * ({@code attribution/handbook-claims.jsonl}: for 39 evidence sentences of the dev questions, a paraphrased claim an
 * answer would make and a near miss the page does not support; {@code unrelated-claims.txt}: claims about nothing in
 * it). Each claim is attributed among the sentences of its page's passage and two other pages' passages, about what
 * an answer's sources hold. The table of precision and recall per threshold goes to
 * {@code target/attribution-calibration.md} (recorded in
 * {@code bench/results/2026-12-07-attribution-calibration.md}); the default must keep precision of 0.9 or more.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AttributionCalibrationTests {

    private record Labelled(String claim, int passage, String evidence, String kind) {
    }

    private record Outcome(double best, boolean rightSentence, boolean supported, String kind) {
    }

    private final List<Outcome> outcomes = new ArrayList<>();
    private double defaultThreshold;

    @BeforeAll
    void measure() throws IOException {
        Embedder embedder = OnnxEmbedders.create("all-minilm-l6-v2-q");
        defaultThreshold = Double.parseDouble(AttributionProperties.class.getDeclaredConstructors()[0]
                .getParameters()[0].getAnnotation(DefaultValue.class).value()[0]);
        Attributions attributions = new Attributions(embedder, Map.of(),
                new AttributionProperties(defaultThreshold, 0.5));
        JsonMapper json = JsonMapper.builder().build();
        List<String> windows = new ArrayList<>();
        List<Labelled> claims = new ArrayList<>();
        for (String line : resource("handbook-claims.jsonl").split("\n")) {
            JsonNode item = json.readTree(line);
            windows.add(readerText(item.path("window").asString()));
            String evidence = item.path("evidence").asString();
            claims.add(new Labelled(item.path("supported").asString(), windows.size() - 1, evidence, "supported"));
            claims.add(new Labelled(item.path("unsupported").asString(), windows.size() - 1, null, "near miss"));
        }
        List<String> unrelated = resource("unrelated-claims.txt").lines().filter(l -> !l.isBlank()).toList();
        for (int i = 0; i < unrelated.size(); i++) {
            claims.add(new Labelled(unrelated.get(i), (i * 3) % windows.size(), null, "unrelated"));
        }
        for (Labelled labelled : claims) {
            List<String> pool = new ArrayList<>();
            List<Integer> from = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                int passage = (labelled.passage() + k) % windows.size();
                for (String sentence : Sentences.split(windows.get(passage))) {
                    if (Sentences.words(sentence) >= 3) {
                        pool.add(sentence);
                        from.add(passage);
                    }
                }
            }
            double[] scores = attributions.agreements(labelled.claim(), pool);
            int best = 0;
            for (int i = 1; i < scores.length; i++) {
                best = scores[i] > scores[best] ? i : best;
            }
            boolean right = labelled.evidence() != null && from.get(best) == labelled.passage()
                    && partOf(pool.get(best), labelled.evidence());
            outcomes.add(new Outcome(scores[best], right, labelled.evidence() != null, labelled.kind()));
        }
        write();
    }

    @Test
    void theDefaultThresholdAttributesMostParaphrasesAndAlmostNothingElse() {
        Metrics metrics = metrics(defaultThreshold);
        assertThat(metrics.precision()).as("attributions that name the right sentence").isGreaterThanOrEqualTo(0.9);
        assertThat(metrics.recall()).as("paraphrases attributed to their evidence").isGreaterThanOrEqualTo(0.6);
        assertThat(metrics.nearMiss()).as("near misses attributed").isLessThanOrEqualTo(0.05);
        assertThat(metrics.unrelated()).as("unrelated claims attributed").isZero();
    }

    private record Metrics(double precision, double recall, double nearMiss, double unrelated) {
    }

    private Metrics metrics(double threshold) {
        int attributed = 0;
        int right = 0;
        int supported = 0;
        int nearMiss = 0;
        int nearMisses = 0;
        int unrelated = 0;
        int unrelatedClaims = 0;
        for (Outcome outcome : outcomes) {
            boolean above = outcome.best() >= threshold;
            attributed += above ? 1 : 0;
            right += above && outcome.rightSentence() ? 1 : 0;
            supported += outcome.supported() ? 1 : 0;
            if (outcome.kind().equals("near miss")) {
                nearMisses++;
                nearMiss += above ? 1 : 0;
            }
            else if (outcome.kind().equals("unrelated")) {
                unrelatedClaims++;
                unrelated += above ? 1 : 0;
            }
        }
        return new Metrics(attributed == 0 ? 1 : (double) right / attributed, (double) right / supported,
                (double) nearMiss / nearMisses, (double) unrelated / unrelatedClaims);
    }

    private void write() throws IOException {
        StringBuilder table = new StringBuilder("| min-agreement | precision | recall | near misses attributed | "
                + "unrelated attributed |\n|---|---|---|---|---|\n");
        List<Double> thresholds = new ArrayList<>();
        for (int step = 0; step <= 20; step++) {
            thresholds.add(0.35 + step * 0.025);
        }
        thresholds.add(defaultThreshold);
        thresholds.sort(null);
        for (double threshold : thresholds) {
            Metrics m = metrics(threshold);
            table.append(String.format(Locale.ROOT, "| %.3f%s | %.2f | %.2f | %.2f | %.2f |%n", threshold,
                    threshold == defaultThreshold ? " (default)" : "", m.precision(), m.recall(), m.nearMiss(),
                    m.unrelated()));
        }
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "attribution-calibration.md"), table);
    }

    /** A passage as a reader sees it: soft line wraps inside a paragraph joined, as the parsers will give it. */
    private static String readerText(String markdown) {
        return markdown.replaceAll("(?<=\\S)\\n(?=[^\\n#>*|\\-\\d ])", " ");
    }

    /** Whether most of a pool sentence's words belong to the evidence (the sentence splitting of the two differ). */
    private static boolean partOf(String sentence, String evidence) {
        Set<String> words = Terms.terms(sentence);
        Set<String> evidenceWords = Terms.terms(evidence);
        long shared = words.stream().filter(evidenceWords::contains).count();
        return !words.isEmpty() && shared >= 0.6 * words.size();
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = AttributionCalibrationTests.class.getResourceAsStream("/attribution/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
