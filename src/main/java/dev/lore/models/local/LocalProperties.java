package dev.lore.models.local;

import java.nio.file.Path;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the in-process llama.cpp engine ({@code lore.generator=local}).
 *
 * @param modelPath the GGUF file
 * @param gpuLayers layers to offload to a GPU (the model's layers + 1 offloads all of them, output layer included);
 *        needs {@code library} pointing at a GPU build of the same llama.cpp release, e.g. the CUDA one that
 *        {@code scripts/llama-cpp.sh cuda} fetches
 * @param contextSize tokens per context (prompt plus completion)
 * @param threads CPU threads per context; 0 means all available processors
 * @param contexts how many requests run at once (one llama.cpp context each, one shared model)
 * @param queueCapacity how many more requests may wait for a context before the engine answers busy
 * @param queueTimeout how long a request waits for a context before the engine answers busy
 * @param library a directory holding another build of the llama.cpp release the shim was compiled against (or its
 *        libllama file), e.g. the CUDA build; unset means the CPU build shipped in the jar
 * @param nativeLog whether llama.cpp's own log goes to stderr
 * @param referenceCopyTokens the most draft tokens reference-copy decoding proposes at once for greedy requests (0
 *        turns it off); the output is the same either way
 */
@ConfigurationProperties("lore.local")
record LocalProperties(Path modelPath, @DefaultValue("0") int gpuLayers, @DefaultValue("4096") int contextSize,
        @DefaultValue("0") int threads, @DefaultValue("2") int contexts, @DefaultValue("8") int queueCapacity,
        @DefaultValue("30s") Duration queueTimeout, Path library, @DefaultValue("false") boolean nativeLog,
        @DefaultValue("8") int referenceCopyTokens) {

    LocalProperties {
        threads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        queueTimeout = queueTimeout == null ? Duration.ofSeconds(30) : queueTimeout;
        if (gpuLayers < 0 || contextSize < 16 || contexts < 1 || queueCapacity < 0 || queueTimeout.isNegative()
                || referenceCopyTokens < 0 || referenceCopyTokens > 64) {
            throw new IllegalArgumentException("lore.local: gpu-layers >= 0, context-size >= 16, contexts >= 1, "
                    + "queue-capacity >= 0, a non-negative queue-timeout and reference-copy-tokens between 0 and 64 "
                    + "are required");
        }
    }

    static LocalProperties of(Path modelPath) {
        return new LocalProperties(modelPath, 0, 4096, 0, 2, 8, Duration.ofSeconds(30), null, false, 8);
    }

    LocalProperties withContextSize(int value) {
        return new LocalProperties(modelPath, gpuLayers, value, threads, contexts, queueCapacity, queueTimeout,
                library, nativeLog, referenceCopyTokens);
    }

    LocalProperties withThreads(int value) {
        return new LocalProperties(modelPath, gpuLayers, contextSize, value, contexts, queueCapacity, queueTimeout,
                library, nativeLog, referenceCopyTokens);
    }

    LocalProperties withModel(Path value) {
        return new LocalProperties(value, gpuLayers, contextSize, threads, contexts, queueCapacity, queueTimeout,
                library, nativeLog, referenceCopyTokens);
    }

    LocalProperties withLibrary(Path value) {
        return new LocalProperties(modelPath, gpuLayers, contextSize, threads, contexts, queueCapacity, queueTimeout,
                value, nativeLog, referenceCopyTokens);
    }

    LocalProperties withGpuLayers(int value) {
        return new LocalProperties(modelPath, value, contextSize, threads, contexts, queueCapacity, queueTimeout,
                library, nativeLog, referenceCopyTokens);
    }

    LocalProperties withReferenceCopyTokens(int value) {
        return new LocalProperties(modelPath, gpuLayers, contextSize, threads, contexts, queueCapacity, queueTimeout,
                library, nativeLog, value);
    }

    LocalProperties withPool(int contextCount, int capacity, Duration timeout) {
        return new LocalProperties(modelPath, gpuLayers, contextSize, threads, contextCount, capacity, timeout,
                library, nativeLog, referenceCopyTokens);
    }
}
