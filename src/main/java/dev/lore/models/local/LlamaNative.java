package dev.lore.models.local;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The JNI binding to Lore's llama.cpp shim ({@code src/main/native/lore_llama.c}), bound once per JVM to one build
 * of the llama.cpp release the shim was compiled against.
 */
final class LlamaNative {

    private static final String PLATFORM = "linux-x86_64";
    private static final String SHIM = "liblore_llama.so";
    private static final String LIBRARIES = "libraries.txt";

    private static Path bound;
    private static Path shimDirectory;

    private LlamaNative() {
    }

    /**
     * Loads the shim and binds it to {@code library} (a directory holding another build of the same release, e.g.
     * the CUDA one, or its libllama file) or, when that is null, to the CPU build shipped in the jar.
     */
    static synchronized Path bind(Path library, boolean logToStderr) {
        Path target = library == null ? null : libllama(library);
        if (bound != null) {
            if (target != null && !target.equals(bound)) {
                throw new LlamaException("llama.cpp is already bound to " + bound + " in this JVM; cannot switch to "
                        + target);
            }
            return bound;
        }
        requirePlatform();
        Path directory = loadShim();
        if (target == null) {
            target = libllama(directory);
        }
        String problem = bind(bytes(target.toString()), bytes(target.getParent().toString()), logToStderr);
        if (problem != null) {
            throw new LlamaException(problem);
        }
        bound = target;
        return bound;
    }

    /** Checks, without binding, that {@code library} is the release the shim was compiled against; null when it is. */
    static String check(Path library) {
        requirePlatform();
        loadShim();
        return verify(bytes(libllama(library).toString()));
    }

    /** The CPU build of llama.cpp shipped next to the shim. */
    static Path bundledLibrary() {
        return libllama(loadShim());
    }

    /** The libllama file of a build: {@code library} itself, or the one in that directory. */
    static Path libllama(Path library) {
        Path absolute = library.toAbsolutePath().normalize();
        if (Files.isRegularFile(absolute)) {
            return absolute;
        }
        if (!Files.isDirectory(absolute)) {
            throw new LlamaException("lore.local.library " + library + " is neither a llama.cpp build directory nor a "
                    + "libllama file");
        }
        try (Stream<Path> files = Files.list(absolute)) {
            List<Path> found = files.filter(file -> {
                String name = file.getFileName().toString();
                return name.startsWith("libllama") && name.contains(".so") && !name.startsWith("libllama-");
            }).sorted().toList();
            if (found.isEmpty()) {
                throw new LlamaException("no libllama*.so in " + absolute);
            }
            return found.get(0);
        }
        catch (IOException ex) {
            throw new LlamaException("cannot list " + absolute + ": " + ex.getMessage());
        }
    }

    private static void requirePlatform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new LlamaException("the local engine ships for " + PLATFORM + " only, not " + os + "/" + arch);
        }
    }

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
                    + PLATFORM + "/" + SHIM + "), as happens when gcc or g++ is missing; install them and build again");
        }
        try {
            if ("file".equals(shim.getProtocol())) {
                return Path.of(shim.toURI()).getParent();
            }
            Path directory = Files.createTempDirectory("lore-llama");
            directory.toFile().deleteOnExit();
            List<String> names = Stream.concat(Stream.of(SHIM), resource(LIBRARIES).lines().map(String::strip)
                .filter(line -> !line.isEmpty())).toList();
            for (String name : names) {
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

    private static String resource(String name) throws IOException {
        try (InputStream in = LlamaNative.class.getResourceAsStream("/native/" + PLATFORM + "/" + name)) {
            if (in == null) {
                throw new LlamaException("native/" + PLATFORM + "/" + name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] utf8) {
        return utf8 == null ? null : new String(utf8, StandardCharsets.UTF_8);
    }

    private static native String bind(byte[] library, byte[] backendDirectory, boolean logToStderr);

    private static native String verify(byte[] library);

    /** Which llama.cpp and ggml the shim is bound to, as the library reports them. */
    static native String identity();

    /** The devices ggml can run on, each as {@code type|name|description}. */
    static native String[] devices();

    static native boolean supportsGpuOffload();

    static native long loadModel(byte[] path, int gpuLayers);

    static native void freeModel(long model);

    /** {vocabulary size, training context length, embedding size, layers}. */
    static native int[] modelShape(long model);

    static native byte[] description(long model);

    static native byte[] chatTemplate(long model);

    static native long newContext(long model, int contextSize, int batchSize, int threads);

    static native void freeContext(long context);

    /** Makes a decode running on {@code context} stop early (true), or lets the next one run (false). */
    static native void abort(long context, boolean on);

    /** {n_ctx, n_batch} as llama.cpp set them. */
    static native int[] contextShape(long context);

    static native int[] tokenize(long model, byte[] utf8, boolean addSpecial, boolean parseSpecial);

    static native byte[] piece(long model, int token);

    static native boolean isEndOfGeneration(long model, int token);

    static native byte[] applyTemplate(byte[] template, byte[][] roles, byte[][] contents, boolean addAssistant);

    /** Decodes a slice of tokens; false when the decode was aborted. */
    static native boolean decode(long context, int[] tokens, int offset, int length, int start, int logitsFrom);

    static native boolean truncate(long context, int from);

    static native float logprobs(long context, int batchIndex, int token, int[] topIds, float[] topLogprobs);

    /** The GBNF grammar llama.cpp's own converter builds from a JSON schema (both UTF-8). */
    static native byte[] jsonSchemaToGrammar(byte[] schema);

    /** A sampler for {@code model}; {@code grammar} (GBNF, UTF-8) holds every sampled token to it when not null. */
    static native long newSampler(long model, float temperature, float topP, int seed, byte[] grammar);

    /** Samples the token after batch index {@code batchIndex}; {@code closing} prefers the tokens that end JSON. */
    static native int sample(long sampler, long context, int batchIndex, boolean closing);

    static native void freeSampler(long sampler);

    /** llama.cpp's own timings since the last reset: {prompt eval ms, eval ms, prompt tokens, eval calls}. */
    static native double[] perf(long context);

    static native void perfReset(long context);
}
