package dev.lore.models.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

import ai.onnxruntime.OrtEnvironment;

/**
 * Measures in-process embedding and cross-encoder throughput on each asked device in one run and writes a Markdown
 * report; bench/gpu-check.sh runs it. Options: --devices=cpu,cuda --embedder=NAME --texts=N --cross-encoder=DIR|tiny
 * --pairs=N --out=FILE.
 */
final class OnnxThroughputCheck {

    private static final int ROUNDS = 3;

    private OnnxThroughputCheck() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> options = new HashMap<>(Map.of("devices", "cpu,cuda", "embedder", "all-minilm-l6-v2",
                "texts", "256", "pairs", "128", "out", "bench/results/gpu-check.md", "cross-encoder", ""));
        for (String arg : args) {
            String[] kv = arg.replaceFirst("^--", "").split("=", 2);
            if (!options.containsKey(kv[0]) || kv.length != 2) {
                throw new IllegalArgumentException("Unknown option " + arg + " (known: " + options.keySet() + ")");
            }
            options.put(kv[0], kv[1]);
        }
        List<String> texts = texts(Integer.parseInt(options.get("texts")));
        List<String> passages = texts.subList(0, Math.min(texts.size(), Integer.parseInt(options.get("pairs"))));
        Path crossEncoder = crossEncoderDir(options.get("cross-encoder"));

        List<String> rows = new ArrayList<>();
        List<String> sample = texts.subList(0, Math.min(8, texts.size()));
        List<float[]> firstVectors = null;
        List<Double> firstScores = null;
        for (String name : options.get("devices").split(",")) {
            OnnxProperties onnx = new OnnxProperties(OnnxDevice.valueOf(name.trim().toUpperCase(Locale.ROOT)), 0);
            OnnxEmbedder embedder = OnnxEmbedders.create(options.get("embedder"), onnx);
            requireDevice(onnx, embedder.device(), "embedder");
            double embedRate = rate(texts.size(), () -> embedder.embedDocuments(texts));
            List<float[]> vectors = embedder.embedDocuments(sample);
            firstVectors = firstVectors == null ? vectors : firstVectors;
            double vectorDrift = 0;
            for (int i = 0; i < vectors.size(); i++) {
                for (int d = 0; d < vectors.get(i).length; d++) {
                    vectorDrift = Math.max(vectorDrift, Math.abs(vectors.get(i)[d] - firstVectors.get(i)[d]));
                }
            }
            String rerankRate = "not measured (no --cross-encoder)";
            double scoreDrift = 0;
            if (crossEncoder != null) {
                try (OnnxCrossEncoder reranker = OnnxCrossEncoder.load(
                        new CrossEncoderProperties(crossEncoder, 512, 32, true), onnx)) {
                    requireDevice(onnx, reranker.device(), "cross-encoder");
                    String query = "how many vacation days do employees earn";
                    rerankRate = "%.1f".formatted(rate(passages.size(), () -> reranker.score(query, passages)));
                    List<Double> scores = reranker.score(query, passages);
                    firstScores = firstScores == null ? scores : firstScores;
                    for (int i = 0; i < scores.size(); i++) {
                        scoreDrift = Math.max(scoreDrift, Math.abs(scores.get(i) - firstScores.get(i)));
                    }
                }
            }
            rows.add("| %s | %.1f | %s | %.1e | %.1e |".formatted(onnx.device().name().toLowerCase(Locale.ROOT),
                    embedRate, rerankRate, vectorDrift, scoreDrift));
            System.out.println(rows.get(rows.size() - 1));
        }
        String report = """
                # In-process ONNX throughput, CPU vs CUDA

                Written by bench/gpu-check.sh (dev.lore.models.onnx.OnnxThroughputCheck) at %s.

                - GPU: %s
                - CPU cores seen by the JVM: %d
                - ONNX Runtime %s, execution providers available: %s
                - Embedder: %s over %d synthetic texts of 40–60 words (LangChain4j embeds one text per ONNX call)
                - Cross-encoder: %s, %d (query, passage) pairs in batches of 32, up to 512 tokens
                - Each rate is the best of %d timed rounds after one warm-up round

                Drift: the largest absolute difference from the first device's embedding components (first 8 texts)
                and cross-encoder scores (all pairs); 0 on the first row by definition.

                | device | embedding texts/s | cross-encoder pairs/s | embedding drift | score drift |
                |---|---|---|---|---|
                %s
                """.formatted(Instant.now(), System.getenv().getOrDefault("GPU_NAME", "none named"),
                Runtime.getRuntime().availableProcessors(), OrtEnvironment.getEnvironment().getVersion(),
                OrtEnvironment.getAvailableProviders(), options.get("embedder"), texts.size(),
                crossEncoder == null ? "none" : options.get("cross-encoder").equals("tiny")
                        ? "tiny synthetic test model (a wiring check, not a speed measure)" : crossEncoder.toString(),
                passages.size(), ROUNDS, String.join("\n", rows));
        Path out = Path.of(options.get("out"));
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, report);
        System.out.println("Wrote " + out);
    }

    private static void requireDevice(OnnxProperties asked, OnnxDevice got, String what) {
        if (asked.device() != got) {
            System.err.println("gpu-check: the " + what + " asked for " + asked.device() + " but runs on " + got
                    + " (see the WARN above: ONNX Runtime 1.20's CUDA provider needs CUDA 12 and cuDNN 9 libraries)");
            System.exit(4);
        }
    }

    private static double rate(int items, Supplier<?> work) {
        work.get();
        long best = Long.MAX_VALUE;
        for (int round = 0; round < ROUNDS; round++) {
            long start = System.nanoTime();
            work.get();
            best = Math.min(best, System.nanoTime() - start);
        }
        return items / (best / 1e9);
    }

    private static Path crossEncoderDir(String option) throws IOException {
        if (option.isBlank()) {
            return null;
        }
        if (option.equals("tiny")) {
            return TinyCrossEncoder.write(Files.createTempDirectory("tiny-cross-encoder"),
                    TinyCrossEncoder.Kind.OVERLAP_ONE_LOGIT);
        }
        return Path.of(option);
    }

    private static List<String> texts(int count) {
        List<String> words = new ArrayList<>(TinyCrossEncoder.WORDS);
        words.addAll(Arrays.asList("the", "a", "of", "to", "is", "for", "on", "with", "request", "approval", "manager",
                "calendar", "quarter", "contract", "hours", "remote", "work", "team", "budget", "travel"));
        Random random = new Random(42);
        List<String> texts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            StringBuilder text = new StringBuilder();
            int length = 40 + random.nextInt(21);
            for (int w = 0; w < length; w++) {
                text.append(w == 0 ? "" : " ").append(words.get(random.nextInt(words.size())));
            }
            texts.add(text.append('.').toString());
        }
        return texts;
    }
}
