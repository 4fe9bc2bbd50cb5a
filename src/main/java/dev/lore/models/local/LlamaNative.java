package dev.lore.models.local;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/** The JNI binding to Lore's llama.cpp shim ({@code src/main/native/lore_llama.c}), bound once per JVM. */
final class LlamaNative {

    private static final String PLATFORM = "linux-x86_64";
    private static final String SHIM = "liblore_llama.so";
    private static final String BUNDLED = "libjllama.so";

    private static Path bound;

    private LlamaNative() {
    }

    /**
     * Loads the shim and binds it to {@code library} (a user-supplied build of llama.cpp b4916, e.g. with CUDA) or,
     * when that is null, to the CPU build shipped in the jar.
     */
    static synchronized Path bind(Path library, boolean logToStderr) {
        if (bound != null) {
            if (library != null && !library.toAbsolutePath().equals(bound)) {
                throw new LlamaException("llama.cpp is already bound to " + bound + " in this JVM; cannot switch to "
                        + library);
            }
            return bound;
        }
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new LlamaException("the local engine ships for " + PLATFORM + " only, not " + os + "/" + arch);
        }
        if (library != null && !Files.isRegularFile(library)) {
            throw new LlamaException("lore.local.library " + library + " is not a file");
        }
        Path directory = loadShim();
        Path target = (library != null ? library : directory.resolve(BUNDLED)).toAbsolutePath();
        String problem = bind(target.toString(), logToStderr);
        if (problem != null) {
            throw new LlamaException(problem);
        }
        bound = target;
        return bound;
    }

    /**
     * Checks, without binding, that {@code library} is llama.cpp build b4916; null when it is, otherwise the reason.
     */
    static String check(Path library) {
        loadShim();
        return verify(library.toAbsolutePath().toString());
    }

    /** The bundled CPU build of llama.cpp next to the shim. */
    static Path bundledLibrary() {
        return loadShim().resolve(BUNDLED);
    }

    private static Path shimDirectory;

    private static synchronized Path loadShim() {
        if (shimDirectory == null) {
            Path directory = nativeDirectory();
            System.load(directory.resolve(SHIM).toString());
            shimDirectory = directory;
        }
        return shimDirectory;
    }

    private static Path nativeDirectory() {
        URL shim = LlamaNative.class.getResource("/native/" + PLATFORM + "/" + SHIM);
        if (shim == null) {
            throw new LlamaException("The local engine is unavailable: Lore was built without its JNI shim (native/"
                    + PLATFORM + "/" + SHIM + "), as happens when gcc is missing; install gcc and build again");
        }
        try {
            if ("file".equals(shim.getProtocol())) {
                return Path.of(shim.toURI()).getParent();
            }
            Path directory = Files.createTempDirectory("lore-llama");
            directory.toFile().deleteOnExit();
            for (String name : new String[] { SHIM, BUNDLED }) {
                try (InputStream in = LlamaNative.class.getResourceAsStream("/native/" + PLATFORM + "/" + name)) {
                    if (in == null) {
                        throw new LlamaException("native/" + PLATFORM + "/" + name + " is missing from the jar");
                    }
                    Path file = directory.resolve(name);
                    Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                    file.toFile().deleteOnExit();
                }
            }
            return directory;
        }
        catch (IOException | URISyntaxException ex) {
            throw new LlamaException("cannot unpack the native libraries: " + ex.getMessage());
        }
    }

    private static native String bind(String library, boolean logToStderr);

    private static native String verify(String library);

    static native String modelDefaults();

    static native String contextDefaults();

    static native boolean supportsGpuOffload();

    static native long loadModel(String path, int gpuLayers);

    static native void freeModel(long model);

    /** {vocabulary size, training context length, embedding size}. */
    static native int[] modelShape(long model);

    static native String description(long model);

    static native String chatTemplate(long model);

    static native long newContext(long model, int contextSize, int batchSize, int threads, boolean embeddings);

    static native void freeContext(long context);

    /** {n_ctx, n_batch} as llama.cpp set them. */
    static native int[] contextShape(long context);

    static native int[] tokenize(long model, byte[] utf8, boolean addSpecial, boolean parseSpecial);

    static native byte[] piece(long model, int token);

    static native boolean isEndOfGeneration(long model, int token);

    static native String applyTemplate(String template, String[] roles, String[] contents, boolean addAssistant);

    static native void decode(long context, long model, int[] tokens, int offset, int length, int start,
            int logitsFrom);

    static native boolean truncate(long context, int from);

    static native float logprobs(long context, long model, int batchIndex, int token, int[] topIds,
            float[] topLogprobs);

    static native long newSampler(float temperature, float topP, int seed);

    static native int sample(long sampler, long context, int batchIndex);

    static native void freeSampler(long sampler);

    static native void setEmbeddings(long context, boolean on);

    static native float[] meanEmbedding(long context, long model, int count);

    /** llama.cpp's own timings since the last reset: {prompt eval ms, eval ms, prompt tokens, eval calls}. */
    static native double[] perf(long context);

    static native void perfReset(long context);
}
