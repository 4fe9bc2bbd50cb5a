package dev.lore.models.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shim binds only to the llama.cpp release whose headers it was compiled against, refuses any other library
 * with a message that says why, and passes parameters through the headers' own struct layouts.
 */
class LlamaLibraryTests {

    @BeforeAll
    static void bind() {
        LlamaNative.bind(null, false);
    }

    @Test
    void theBundledLibraryIsTheReleaseOfTheHeaders() {
        assertThat(LlamaNative.check(LlamaNative.bundledLibrary())).isNull();
        assertThat(LlamaNative.identity()).startsWith("llama.cpp 0.5.0").contains("ggml 0.25.1");
        assertThat(LlamaNative.devices()).anyMatch(device -> device.startsWith("cpu|"));
    }

    @Test
    void aNonDefaultContextSizeReachesLlamaCpp(@TempDir Path dir) throws Exception {
        Path gguf = TinyGguf.write(dir.resolve("tiny.gguf"), 7, null);
        long model = LlamaNative.loadModel(LlamaNative.bytes(gguf.toString()), 0);
        try {
            assertThat(LlamaNative.modelShape(model)).containsExactly(354, TinyGguf.CONTEXT, TinyGguf.EMBEDDING,
                    TinyGguf.LAYERS);
            long context = LlamaNative.newContext(model, 768, 64, 1);
            try {
                assertThat(LlamaNative.contextShape(context)).containsExactly(768, 64);
            }
            finally {
                LlamaNative.freeContext(context);
            }
        }
        finally {
            LlamaNative.freeModel(model);
        }
    }

    @Test
    void aLibraryWithoutAVersionIsRefused() {
        Path libm = Path.of("/lib/x86_64-linux-gnu/libm.so.6");
        assertThat(LlamaNative.check(libm)).contains("is not llama.cpp 0.5.0").contains("no llama_version()");
        assertThatThrownBy(() -> LlamaNative.bind(libm, false)).isInstanceOf(LlamaException.class)
            .hasMessageContaining("already bound");
    }

    @Test
    void aLibraryOfAnotherReleaseIsRefusedWithBothVersions(@TempDir Path dir) throws Exception {
        Path older = fakeLibrary(dir, "libllama.so", "0.4.2", "0.24.0");
        assertThat(LlamaNative.check(older)).contains("is llama.cpp 0.4.2 with ggml 0.24.0")
            .contains("compiled against llama.cpp 0.5.0 with ggml 0.25.1");
        Path newer = fakeLibrary(dir, "libllama-newer.so", "0.5.1", "0.25.1");
        assertThat(LlamaNative.check(newer)).contains("is llama.cpp 0.5.1");
    }

    @Test
    void aLibraryOfTheRightVersionWithoutTheFunctionsIsRefused(@TempDir Path dir) throws Exception {
        Path hollow = fakeLibrary(dir, "libllama.so", "0.5.0", "0.25.1");
        assertThat(LlamaNative.check(hollow)).contains("lacks functions the shim calls")
            .contains("llama_decode");
    }

    @Test
    void aDirectoryIsResolvedToItsLibllama(@TempDir Path dir) throws Exception {
        Path library = fakeLibrary(dir, "libllama.v9.so", "0.4.2", "0.24.0");
        assertThat(LlamaNative.libllama(dir)).isEqualTo(library);
        assertThatThrownBy(() -> LlamaNative.check(dir.resolve("absent"))).isInstanceOf(LlamaException.class)
            .hasMessageContaining("neither a llama.cpp build directory nor a libllama file");
    }

    /** Compiles a shared library that reports the given versions and exports nothing else of llama.cpp. */
    private static Path fakeLibrary(Path dir, String name, String llama, String ggml) throws Exception {
        assumeThat(gcc()).as("gcc builds the fake library (and the shim: without gcc neither exists)").isTrue();
        Path source = Files.writeString(dir.resolve(name + ".c"), """
                const char *llama_version(void) { return "%s"; }
                const char *ggml_version(void) { return "%s"; }
                """.formatted(llama, ggml));
        Path library = dir.resolve(name);
        Process gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-o", library.toString(), source.toString())
            .redirectErrorStream(true)
            .start();
        assertThat(gcc.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(gcc.exitValue()).as(new String(gcc.getInputStream().readAllBytes())).isZero();
        return library;
    }

    private static boolean gcc() throws IOException {
        try {
            return new ProcessBuilder("gcc", "--version").start().waitFor(30, TimeUnit.SECONDS);
        }
        catch (IOException | InterruptedException ex) {
            return false;
        }
    }
}
