package dev.lore.models.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import dev.lore.models.Cancellation;
import dev.lore.models.ChatMessage;

/**
 * Run by {@code bench/gpu-check.sh}: loads the tiny test GGUF (and a larger random one) on the CPU and with every
 * layer offloaded to the GPU through the same CUDA build of llama.cpp, checks that greedy tokens agree and that
 * logprobs agree within {@link #TOLERANCE}, and prints GPU and CPU tokens per second. Exits 2 when llama.cpp sees no
 * GPU, 1 when the results disagree.
 */
public final class LocalEngineGpuCheck {

    /** cuBLAS and the CPU kernels sum in different orders (and in F16 on the GPU), so logprobs differ slightly. */
    static final double TOLERANCE = 0.05;

    private static final int PROMPTS = 20;
    private static final int TOKENS = 24;

    private LocalEngineGpuCheck() {
    }

    public static void main(String[] args) throws IOException {
        String library = System.getenv("LORE_LLAMA_LIBRARY");
        if (library == null || library.isBlank()) {
            System.err.println("gpu-check: LORE_LLAMA_LIBRARY must name the CUDA build of llama.cpp");
            System.exit(2);
        }
        Path dir = Files.createTempDirectory("lore-gpu-check");
        Path tiny = TinyGguf.write(dir.resolve("tiny.gguf"), 42, null);
        Path larger = TinyGguf.write(dir.resolve("larger.gguf"), 42, null, TinyGguf.Architecture.LLAMA,
                TinyGguf.Size.BENCH);
        LocalProperties base = LocalProperties.of(tiny).withContextSize(512).withThreads(
                Runtime.getRuntime().availableProcessors()).withPool(1, 0, Duration.ofMinutes(1))
            .withLibrary(Path.of(library));
        StringBuilder report = new StringBuilder();
        boolean agree = true;
        try (LocalGenerator cpu = LocalGenerator.open(base);
                LocalGenerator gpu = LocalGenerator.open(base.withGpuLayers(TinyGguf.LAYERS + 1))) {
            LlamaEngine.Offload offload = gpu.engine().offload();
            if (offload.offloaded() == 0) {
                System.err.println("gpu-check: llama.cpp sees no GPU (devices: " + String.join(", ",
                        LlamaNative.devices()) + "); nothing was offloaded");
                System.exit(2);
            }
            report.append("# GPU check of the local engine (").append(LlamaNative.identity()).append(")\n\n");
            report.append("Recorded ").append(LocalDate.now()).append(" by `bench/gpu-check.sh`; GPU: ")
                .append(offload.device()).append(", ").append(offload.offloaded()).append('/')
                .append(offload.layers()).append(" layers offloaded.\n\n");
            double worst = 0;
            int mismatches = 0;
            for (int p = 0; p < PROMPTS; p++) {
                List<ChatMessage> prompt = List.of(ChatMessage.user("Prompt number " + p + ": tell me about lore."));
                int[] tokens = cpu.promptTokens(prompt);
                LlamaEngine.Sampling greedy = new LlamaEngine.Sampling(0, 1, 1, TOKENS, List.of(), 3, true);
                LlamaEngine.Sampled onCpu = sample(cpu, tokens, greedy);
                LlamaEngine.Sampled onGpu = sample(gpu, tokens, greedy);
                if (!Arrays.equals(onCpu.tokenIds(), onGpu.tokenIds())) {
                    mismatches++;
                }
                int shared = Math.min(onCpu.logprobs().size(), onGpu.logprobs().size());
                for (int i = 0; i < shared; i++) {
                    worst = Math.max(worst, Math.abs(onCpu.logprobs().get(i).logprob()
                            - onGpu.logprobs().get(i).logprob()));
                    if (onCpu.tokenIds()[i] != onGpu.tokenIds()[i]) {
                        break;
                    }
                }
            }
            agree = mismatches == 0 && worst <= TOLERANCE;
            report.append(String.format(Locale.ROOT, "- greedy tokens: %d of %d prompts identical (%d tokens each)%n",
                    PROMPTS - mismatches, PROMPTS, TOKENS));
            report.append(String.format(Locale.ROOT, "- largest logprob difference: %.5f (tolerance %.2f)%n", worst,
                    TOLERANCE));
        }
        report.append("\n| model | device | generated tokens/s | prompt tokens/s |\n|---|---|---:|---:|\n");
        for (Path model : List.of(tiny, larger)) {
            for (int layers : new int[] { 0, 99 }) {
                try (LocalGenerator generator = LocalGenerator.open(base.withModel(model).withGpuLayers(layers))) {
                    report.append(speed(generator, model.getFileName().toString(), layers == 0 ? "CPU"
                            : generator.engine().offload().device()));
                }
            }
        }
        report.append(agree ? "\nResult: the GPU agrees with the CPU.\n" : "\nResult: the GPU DISAGREES with the CPU.\n");
        Path out = Path.of("bench/results/" + LocalDate.now() + "-gpu-check-local-engine.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
        System.out.println(report);
        System.exit(agree ? 0 : 1);
    }

    private static LlamaEngine.Sampled sample(LocalGenerator generator, int[] prompt, LlamaEngine.Sampling sampling) {
        LlamaEngine.Slot slot = generator.engine().acquire();
        try {
            slot.forget();
            return generator.engine().generate(slot, prompt, sampling, text -> {
            }, Cancellation.none());
        }
        finally {
            generator.engine().release(slot);
        }
    }

    private static String speed(LocalGenerator generator, String model, String device) {
        LlamaEngine engine = generator.engine();
        int[] prompt = engine.tokenize("The history of the printing press. ".repeat(8), true, false);
        LlamaEngine.Sampling sampling = new LlamaEngine.Sampling(0, 1, 1, 128, List.of(), 0, false);
        List<double[]> runs = new ArrayList<>();
        LlamaEngine.Slot slot = engine.acquire();
        try {
            for (int run = 0; run < 4; run++) {
                slot.forget();
                LlamaNative.perfReset(slot.context);
                engine.generate(slot, prompt, sampling, text -> {
                }, Cancellation.none());
                double[] perf = LlamaNative.perf(slot.context);
                if (run > 0) {
                    runs.add(new double[] { perf[3] * 1000 / perf[1], perf[2] * 1000 / perf[0] });
                }
            }
        }
        finally {
            engine.release(slot);
        }
        double generated = runs.stream().mapToDouble(r -> r[0]).sorted().toArray()[runs.size() / 2];
        double prompted = runs.stream().mapToDouble(r -> r[1]).sorted().toArray()[runs.size() / 2];
        return String.format(Locale.ROOT, "| %s | %s | %.0f | %.0f |%n", model, device, generated, prompted);
    }
}
