package dev.lore.models.onnx;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.lore.models.Embedder;

/**
 * Why Lore opens the packaged embedding models itself: embeds the same texts with LangChain4j's packaged quantised
 * MiniLM class (ONNX Runtime's default threads inside each run, on top of one worker per core) and with Lore's
 * embedder (one ONNX Runtime thread a run), alternating, and writes texts/s and process CPU per text. bench/onnx-threads.sh
 * runs it on SciFact passages; arguments: CORPUS_JSONL_GZ TEXTS OUT.
 */
final class OnnxThreadsCheck {

    private static final int ROUNDS = 3;

    private OnnxThreadsCheck() {
    }

    public static void main(String[] args) throws IOException {
        List<String> texts = dev.lore.bench.BeirDataset.texts(Path.of(args[0]), Integer.parseInt(args[1]));
        ExecutorService workers = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
        EmbeddingModel packaged = new AllMiniLmL6V2QuantizedEmbeddingModel(workers);
        Embedder lore = OnnxEmbedders.create("all-minilm-l6-v2-q");
        Function<List<String>, Object> viaPackaged = batch -> packaged.embedAll(
                batch.stream().map(TextSegment::from).toList());
        Function<List<String>, Object> viaLore = lore::embedDocuments;
        viaPackaged.apply(texts.subList(0, 100));
        viaLore.apply(texts.subList(0, 100));
        StringBuilder rows = new StringBuilder();
        for (int round = 1; round <= ROUNDS; round++) {
            rows.append(row(round, "LangChain4j's packaged class (ONNX Runtime default threads)", viaPackaged, texts));
            rows.append(row(round, "Lore's embedder (one ONNX Runtime thread a run)", viaLore, texts));
        }
        workers.shutdown();
        String report = """
                # In-process embedding: ONNX Runtime threads per run

                Run %s on %d cores, Java %s: all-minilm-l6-v2-q embedding %d SciFact passages (title + text), \
                one worker per core embedding texts concurrently in both.

                | round | embedder | texts/s | CPU ms per text |
                |---|---|---|---|
                %s""".formatted(Instant.now(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), texts.size(), rows);
        Path out = Path.of(args[2]);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, report);
        System.out.print(report);
        System.exit(0);
    }

    private static String row(int round, String label, Function<List<String>, Object> embed, List<String> texts) {
        long cpu = processCpuNanos();
        long start = System.nanoTime();
        embed.apply(texts);
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuMillis = (processCpuNanos() - cpu) / 1e6;
        return "| %d | %s | %.1f | %.1f |%n".formatted(round, label, texts.size() / seconds, cpuMillis / texts.size());
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
