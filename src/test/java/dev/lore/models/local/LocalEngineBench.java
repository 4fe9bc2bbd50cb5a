package dev.lore.models.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.lore.models.Cancellation;
import dev.lore.models.ChatMessage;

/**
 * Measures the local engine, run by {@code bench/local-engine.sh}: generation and scoring tokens/s on the tiny test
 * model and on {@code LORE_BENCH_GGUF} when set, next to llama.cpp's own timing of the same decodes, so the cost
 * of Lore's JNI path (sampling calls, logprobs, piece conversion, Java loop) shows; a larger random model (256-dim,
 * 4 layers) measures llama.cpp's kernels rather than the calls around them. {@code LORE_BENCH_LIBRARY} runs it on
 * another build of the library (e.g. the one {@code scripts/llama-cpp.sh source} builds). Writes
 * {@code bench/results/<date>-local-engine.md}, or {@code LORE_BENCH_OUT}.
 */
public final class LocalEngineBench {

    private static final int RUNS = 5;

    private record Row(String model, String work, int tokens, double wallMs, double llamaMs) {

        String markdown() {
            double overhead = wallMs - llamaMs;
            return String.format(Locale.ROOT, "| %s | %s | %d | %.1f | %.1f | %.1f | %.2f (%.1f%%) |", model, work,
                    tokens, wallMs, llamaMs, tokens * 1000 / wallMs, overhead / tokens, 100 * overhead / wallMs);
        }
    }

    public static void main(String[] args) throws IOException {
        String threadSetting = System.getenv("LORE_BENCH_THREADS");
        int threads = threadSetting == null || threadSetting.isBlank()
                ? Math.max(1, Runtime.getRuntime().availableProcessors()) : Integer.parseInt(threadSetting);
        Path tinyDir = Files.createTempDirectory("lore-bench-gguf");
        Path tiny = TinyGguf.write(tinyDir.resolve("tiny.gguf"), 42, null);
        Path larger = TinyGguf.write(tinyDir.resolve("bench.gguf"), 42, null, TinyGguf.Architecture.LLAMA,
                TinyGguf.Size.BENCH);
        String library = System.getenv("LORE_BENCH_LIBRARY");
        Path libraryPath = library == null || library.isBlank() ? null : Path.of(library);
        List<Row> rows = new ArrayList<>(bench("tiny (test GGUF, 64-dim, 2 layers)", tiny, libraryPath, threads, 200,
                200));
        rows.addAll(bench("random llama, 256-dim, 4 layers, F32", larger, libraryPath, threads, 128, 256));
        String real = System.getenv("LORE_BENCH_GGUF");
        if (real != null && !real.isBlank()) {
            rows.addAll(bench(Path.of(real).getFileName().toString(), Path.of(real), libraryPath, threads, 64, 256));
        }
        StringBuilder report = new StringBuilder();
        report.append("# Local engine (").append(LlamaNative.identity()).append(", through Lore's JNI shim)\n\n");
        report.append("Library: ").append(libraryPath == null ? "the prebuilt CPU build shipped in the jar"
                : "`" + libraryPath + "`").append(".\n\n");
        report.append("Recorded ").append(LocalDate.now()).append(" by `bench/local-engine.sh` on ")
            .append(cpu()).append(", ").append(threads).append(" threads per context, CPU only, ")
            .append("median of ").append(RUNS).append(" runs after one warm-up; the KV cache is cleared before ")
            .append("each run so every run evaluates its prompt.\n\n");
        report.append("- *wall ms*: Java's `System.nanoTime()` around the engine call (sampling, logprobs, token ")
            .append("text, JNI crossings and the Java loop included).\n");
        report.append("- *llama.cpp ms*: `llama_perf_context` `t_p_eval_ms + t_eval_ms` for the same call, i.e. ")
            .append("llama.cpp's own time in `llama_decode`.\n");
        report.append("- *overhead*: (wall - llama.cpp) per token, and as a share of wall time.\n");
        report.append("- *tokens/s*: generated (or scored) tokens per wall second; the generation rows include ")
            .append("evaluating the prompt, the scoring row is one batched pass over prompt and continuation.\n");
        report.append("- The recording machine's 2 cores were shared with other builds, so absolute numbers are ")
            .append("noisy; the overhead column compares two clocks over the same run and is the stable part.\n\n");
        report.append("| model | work | tokens | wall ms | llama.cpp ms | tokens/s | overhead ms/token |\n");
        report.append("|---|---|---:|---:|---:|---:|---:|\n");
        rows.forEach(row -> report.append(row.markdown()).append('\n'));
        report.append("\n## Reference-copy decoding\n\n")
            .append("Greedy generation of ").append(COPY_TOKENS).append(" tokens for each of ").append(COPY_PROMPTS)
            .append(" RAG-style prompts (a numbered source, then a question about it), without drafts and with ")
            .append("`reference-copy-tokens` 8, alternating per prompt; the outputs were compared token by token. ")
            .append("*accepted* is the share of proposed draft tokens greedy decoding kept. The last column ")
            .append("compares only the prompts where no draft token was accepted (the cost of proposing in vain).\n\n")
            .append("| model | identical outputs | drafted | accepted | tokens/s without | tokens/s with | ")
            .append("speed-up | prompts with nothing accepted: time with / without |\n")
            .append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        report.append(referenceCopy("tiny (test GGUF)", tiny, libraryPath, threads));
        report.append(referenceCopy("random llama, 256-dim, 4 layers", larger, libraryPath, threads));
        if (real != null && !real.isBlank()) {
            report.append(referenceCopy(Path.of(real).getFileName().toString(), Path.of(real), libraryPath, threads));
        }
        if (real == null || real.isBlank()) {
            report.append("\nNo real model was measured: `LORE_BENCH_GGUF` was not set (no GGUF model is available ")
                .append("offline on the machine that recorded this).\n");
        }
        String target = System.getenv("LORE_BENCH_OUT");
        Path out = target == null || target.isBlank() ? Path.of("bench/results/" + LocalDate.now() + "-local-engine.md")
                : Path.of(target);
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
        System.out.println(report);
    }

    private static final int COPY_PROMPTS = 100;
    private static final int COPY_TOKENS = 64;

    private static String referenceCopy(String name, Path model, Path library, int threads) {
        LocalProperties properties = LocalProperties.of(model).withContextSize(1024).withThreads(threads)
            .withPool(1, 0, Duration.ofMinutes(1)).withLibrary(library);
        long[] nanos = new long[2];
        long[] idleNanos = new long[2];
        int identical = 0;
        int drafted = 0;
        int accepted = 0;
        int tokens = 0;
        try (LocalGenerator generator = LocalGenerator.open(properties)) {
            LlamaEngine engine = generator.engine();
            LlamaEngine.Sampling plain = new LlamaEngine.Sampling(0, 1, 1, COPY_TOKENS, List.of(), 0, false);
            for (int i = -1; i < COPY_PROMPTS; i++) {
                int[] prompt = generator.promptTokens(List.of(ChatMessage.system(
                        "Answer from the sources and quote them."), ChatMessage.user("[1] Employees earn " + (20 + i)
                                + " vacation days a year; unused days carry over until March. Question: how many "
                                + "vacation days do employees earn, and what happens to unused days?")));
                LlamaEngine.Sampled[] results = new LlamaEngine.Sampled[2];
                long[] times = new long[2];
                for (int variant = 0; variant < 2; variant++) {
                    LlamaEngine.Sampling sampling = variant == 0 ? plain : plain.withDraftTokens(8);
                    LlamaEngine.Slot slot = engine.acquire();
                    try {
                        slot.forget();
                        long start = System.nanoTime();
                        results[variant] = engine.generate(slot, prompt, sampling, text -> {
                        }, Cancellation.none());
                        times[variant] = System.nanoTime() - start;
                    }
                    finally {
                        engine.release(slot);
                    }
                }
                if (i < 0) {
                    continue;
                }
                identical += java.util.Arrays.equals(results[0].tokenIds(), results[1].tokenIds()) ? 1 : 0;
                drafted += results[1].drafted();
                accepted += results[1].accepted();
                tokens += results[0].tokenIds().length;
                for (int variant = 0; variant < 2; variant++) {
                    nanos[variant] += times[variant];
                    if (results[1].accepted() == 0) {
                        idleNanos[variant] += times[variant];
                    }
                }
            }
        }
        return String.format(Locale.ROOT, "| %s | %d/%d | %d | %.1f%% | %.0f | %.0f | %.2fx | %s |%n", name, identical,
                COPY_PROMPTS, drafted, drafted == 0 ? 0.0 : 100.0 * accepted / drafted, tokens * 1e9 / nanos[0],
                tokens * 1e9 / nanos[1], (double) nanos[0] / nanos[1], idleNanos[0] == 0 ? "no such prompt"
                        : String.format(Locale.ROOT, "%.3f", (double) idleNanos[1] / idleNanos[0]));
    }

    private static List<Row> bench(String name, Path model, Path library, int threads, int generate, int score) {
        LocalProperties properties = LocalProperties.of(model).withContextSize(1024).withThreads(threads)
            .withPool(1, 0, Duration.ofMinutes(1)).withLibrary(library);
        List<Row> rows = new ArrayList<>();
        try (LocalGenerator generator = LocalGenerator.open(properties)) {
            LlamaEngine engine = generator.engine();
            int[] prompt = generator.promptTokens(List.of(ChatMessage.user(
                    "Summarise the history of the printing press in a few paragraphs.")));
            // llama.cpp's thread pool and the CPU take a few hundred decodes to settle; this pass is not recorded
            LlamaEngine.Sampling warmUp = new LlamaEngine.Sampling(0.8f, 0.95f, 7, generate, List.of(), 0, false);
            measure(name, engine, "warm-up", slot -> engine.generate(slot, prompt, warmUp, text -> {
            }, Cancellation.none()).tokenIds().length);
            for (boolean logprobs : new boolean[] { false, true }) {
                LlamaEngine.Sampling sampling = new LlamaEngine.Sampling(0.8f, 0.95f, 7, generate, List.of(),
                        logprobs ? 5 : 0, logprobs);
                rows.add(measure(name, engine, "generate" + (logprobs ? " + logprobs top 5" : "") + " ("
                        + prompt.length + "-token prompt)", slot -> {
                            LlamaEngine.Sampled sampled = engine.generate(slot, prompt, sampling, text -> {
                            }, Cancellation.none());
                            return sampled.tokenIds().length;
                        }));
            }
            int[] continuation = engine.tokenize(
                    " The printing press, developed by Johannes Gutenberg around 1440, changed how knowledge spread. "
                            .repeat(20), false, false);
            int[] scored = java.util.Arrays.copyOf(continuation, Math.min(score, continuation.length));
            rows.add(measure(name, engine, "score (" + prompt.length + "-token prompt + continuation)", slot -> {
                engine.score(slot, prompt, scored, 5);
                return scored.length;
            }));
        }
        return rows;
    }

    private interface Work {
        int run(LlamaEngine.Slot slot);
    }

    private static Row measure(String name, LlamaEngine engine, String work, Work body) {
        LlamaEngine.Slot slot = engine.acquire();
        try {
            double[] walls = new double[RUNS];
            double[] llamas = new double[RUNS];
            int tokens = 0;
            for (int run = -1; run < RUNS; run++) {
                slot.forget();
                LlamaNative.perfReset(slot.context);
                long start = System.nanoTime();
                tokens = body.run(slot);
                double wall = (System.nanoTime() - start) / 1e6;
                double[] perf = LlamaNative.perf(slot.context);
                if (run >= 0) {
                    walls[run] = wall;
                    llamas[run] = perf[0] + perf[1];
                }
            }
            return new Row(name, work, tokens, median(walls), median(llamas));
        }
        finally {
            engine.release(slot);
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static String cpu() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                .filter(line -> line.startsWith("model name"))
                .findFirst()
                .map(line -> line.substring(line.indexOf(':') + 1).trim())
                .orElse("an unknown CPU");
        }
        catch (IOException ex) {
            return "an unknown CPU";
        }
    }
}
