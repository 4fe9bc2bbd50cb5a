package dev.lore.models.onnx;

import static dev.lore.models.onnx.OnnxProto.FLOAT;
import static dev.lore.models.onnx.OnnxProto.INT64;
import static dev.lore.models.onnx.OnnxProto.floatTensor;
import static dev.lore.models.onnx.OnnxProto.intAttribute;
import static dev.lore.models.onnx.OnnxProto.longTensor;
import static dev.lore.models.onnx.OnnxProto.node;
import static dev.lore.models.onnx.OnnxProto.valueInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Writes tiny cross-encoder model directories (an ONNX graph and a WordLevel tokenizer.json) whose scores a test can
 * compute by hand: every vocabulary word embeds as its own one-hot vector and special tokens as zero.
 */
public final class TinyCrossEncoder {

    static final List<String> WORDS = List.of("vacation", "leave", "days", "annual", "employees", "earn", "laptop",
            "battery", "replace", "policy", "how", "many", "the", "office", "closed", "holidays");

    private static final List<String> SPECIALS = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]");
    private static final int VOCABULARY = SPECIALS.size() + WORDS.size();

    /** The graphs a test can ask for. */
    public enum Kind {
        /** logit = number of (query word, passage word) matches, from token_type_ids. */
        OVERLAP_ONE_LOGIT,
        /** logits = [-overlap/2, overlap/2], so the positive class's softmax is sigmoid(overlap). */
        OVERLAP_TWO_LOGITS,
        /** declares no token_type_ids; logit = how often "vacation" occurs in the whole pair; in onnx/model.onnx. */
        VACATION_COUNT
    }

    private TinyCrossEncoder() {
    }

    public static Path write(Path dir, Kind kind) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("tokenizer.json"), tokenizerJson());
            Path model = kind == Kind.VACATION_COUNT ? dir.resolve("onnx").resolve("model.onnx") : dir.resolve("model.onnx");
            Files.createDirectories(model.getParent());
            Files.write(model, OnnxProto.model(kind == Kind.VACATION_COUNT ? countGraph() : overlapGraph(kind)).bytes());
            return dir;
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The OVERLAP models' logit, computed without the tokenizer or ONNX Runtime. */
    public static double overlap(String query, String passage) {
        Map<String, Long> queryWords = words(query);
        return words(passage).entrySet().stream()
                .mapToDouble(e -> e.getValue() * queryWords.getOrDefault(e.getKey(), 0L)).sum();
    }

    /** The VACATION_COUNT model's logit, computed likewise. */
    static double vacations(String query, String passage) {
        return words(query).getOrDefault("vacation", 0L) + words(passage).getOrDefault("vacation", 0L);
    }

    private static Map<String, Long> words(String text) {
        Map<String, Long> counts = new HashMap<>();
        for (String word : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}_]+")) {
            if (WORDS.contains(word)) {
                counts.merge(word, 1L, Long::sum);
            }
        }
        return counts;
    }

    private static OnnxProto overlapGraph(Kind kind) {
        float[] head = kind == Kind.OVERLAP_ONE_LOGIT ? new float[] { 1f } : new float[] { -0.5f, 0.5f };
        OnnxProto graph = new OnnxProto()
                .message(1, node("Gather", new String[] { "embedding", "input_ids" }, "embedded"))
                .message(1, node("Cast", new String[] { "attention_mask" }, "mask", intAttribute("to", FLOAT)))
                .message(1, node("Cast", new String[] { "token_type_ids" }, "types", intAttribute("to", FLOAT)))
                .message(1, node("Mul", new String[] { "mask", "types" }, "mask_b"))
                .message(1, node("Sub", new String[] { "mask", "mask_b" }, "mask_a"))
                .message(1, node("Unsqueeze", new String[] { "mask_a", "axis_1" }, "mask_a3"))
                .message(1, node("Unsqueeze", new String[] { "mask_b", "axis_1" }, "mask_b3"))
                .message(1, node("MatMul", new String[] { "mask_a3", "embedded" }, "sum_a"))
                .message(1, node("MatMul", new String[] { "mask_b3", "embedded" }, "sum_b"))
                .message(1, node("Mul", new String[] { "sum_a", "sum_b" }, "products"))
                .message(1, node("ReduceSum", new String[] { "products", "axis_2" }, "overlap",
                        intAttribute("keepdims", 0)))
                .message(1, node("MatMul", new String[] { "overlap", "head" }, "logits"))
                .string(2, "tiny-cross-encoder");
        graph.message(5, embedding()).message(5, longTensor("axis_1", new long[] { 1 }, 1))
                .message(5, longTensor("axis_2", new long[] { 1 }, 2))
                .message(5, floatTensor("head", new long[] { 1, head.length }, head));
        return graph.message(11, valueInfo("input_ids", INT64, "batch", "sequence"))
                .message(11, valueInfo("attention_mask", INT64, "batch", "sequence"))
                .message(11, valueInfo("token_type_ids", INT64, "batch", "sequence"))
                .message(12, valueInfo("logits", FLOAT, "batch", head.length));
    }

    private static OnnxProto countGraph() {
        float[] vacation = new float[VOCABULARY];
        vacation[id("vacation")] = 1f;
        return new OnnxProto()
                .message(1, node("Gather", new String[] { "embedding", "input_ids" }, "embedded"))
                .message(1, node("Cast", new String[] { "attention_mask" }, "mask", intAttribute("to", FLOAT)))
                .message(1, node("Unsqueeze", new String[] { "mask", "axis_1" }, "mask3"))
                .message(1, node("MatMul", new String[] { "mask3", "embedded" }, "counts"))
                .message(1, node("MatMul", new String[] { "counts", "vacation" }, "count"))
                .message(1, node("ReduceSum", new String[] { "count", "axis_2" }, "logits", intAttribute("keepdims", 0)))
                .string(2, "tiny-vacation-counter")
                .message(5, embedding()).message(5, longTensor("axis_1", new long[] { 1 }, 1))
                .message(5, longTensor("axis_2", new long[] { 1 }, 2))
                .message(5, floatTensor("vacation", new long[] { VOCABULARY, 1 }, vacation))
                .message(11, valueInfo("input_ids", INT64, "batch", "sequence"))
                .message(11, valueInfo("attention_mask", INT64, "batch", "sequence"))
                .message(12, valueInfo("logits", FLOAT, "batch", 1));
    }

    private static OnnxProto embedding() {
        float[] values = new float[VOCABULARY * VOCABULARY];
        for (int id = SPECIALS.size(); id < VOCABULARY; id++) {
            values[id * VOCABULARY + id] = 1f;
        }
        return floatTensor("embedding", new long[] { VOCABULARY, VOCABULARY }, values);
    }

    private static int id(String token) {
        return SPECIALS.contains(token) ? SPECIALS.indexOf(token) : SPECIALS.size() + WORDS.indexOf(token);
    }

    private static String tokenizerJson() {
        String vocab = IntStream.range(0, VOCABULARY)
                .mapToObj(i -> "\"" + (i < SPECIALS.size() ? SPECIALS.get(i) : WORDS.get(i - SPECIALS.size()))
                        + "\": " + i)
                .collect(Collectors.joining(", "));
        String added = SPECIALS.stream()
                .map(t -> """
                        {"id": %d, "content": "%s", "single_word": false, "lstrip": false, "rstrip": false, \
                        "normalized": false, "special": true}""".formatted(id(t), t))
                .collect(Collectors.joining(", "));
        return """
                {
                  "version": "1.0",
                  "truncation": null,
                  "padding": null,
                  "added_tokens": [%s],
                  "normalizer": {"type": "Lowercase"},
                  "pre_tokenizer": {"type": "Whitespace"},
                  "post_processor": {
                    "type": "TemplateProcessing",
                    "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                               {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                    "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                             {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                             {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
                    "special_tokens": {
                      "[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                      "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}
                    }
                  },
                  "decoder": null,
                  "model": {"type": "WordLevel", "vocab": {%s}, "unk_token": "[UNK]"}
                }
                """.formatted(added, vocab);
    }
}
