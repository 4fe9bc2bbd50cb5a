package dev.lore.models.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves the shim's struct declarations match llama.cpp b4916: the default parameters read field by field through
 * the shim equal that build's documented defaults, and a non-default context size survives the round trip.
 */
class LlamaLayoutTests {

    @BeforeAll
    static void bind() {
        LlamaNative.bind(null, false);
    }

    @Test
    void modelDefaultsMatchBuildB4916() {
        Map<String, String> params = fields(LlamaNative.modelDefaults());
        assertThat(params).containsExactlyEntriesOf(ordered(
                "devices", "(nil)", "n_gpu_layers", "0", "split_mode", "1", "main_gpu", "0", "tensor_split", "(nil)",
                "progress_callback", "(nil)", "progress_callback_user_data", "(nil)", "kv_overrides", "(nil)",
                "vocab_only", "0", "use_mmap", "1", "use_mlock", "0", "check_tensors", "0"));
    }

    @Test
    void contextDefaultsMatchBuildB4916() {
        Map<String, String> params = fields(LlamaNative.contextDefaults());
        assertThat(params).containsExactlyEntriesOf(ordered(
                "n_ctx", "512", "n_batch", "2048", "n_ubatch", "512", "n_seq_max", "1", "n_threads", "4",
                "n_threads_batch", "4", "rope_scaling_type", "-1", "pooling_type", "-1", "attention_type", "-1",
                "rope_freq_base", "0", "rope_freq_scale", "0", "yarn_ext_factor", "-1", "yarn_attn_factor", "1",
                "yarn_beta_fast", "32", "yarn_beta_slow", "1", "yarn_orig_ctx", "0", "defrag_thold", "-1",
                "cb_eval", "(nil)", "cb_eval_user_data", "(nil)", "type_k", "1", "type_v", "1", "logits_all", "0",
                "embeddings", "0", "offload_kqv", "1", "flash_attn", "0", "no_perf", "1", "abort_callback", "(nil)",
                "abort_callback_data", "(nil)", "sampler_chain_no_perf", "1"));
    }

    @Test
    void aNonDefaultContextSizeReachesLlamaCpp(@TempDir Path dir) throws Exception {
        Path gguf = TinyGguf.write(dir.resolve("tiny.gguf"), 7, null);
        long model = LlamaNative.loadModel(gguf.toString(), 0);
        try {
            assertThat(LlamaNative.modelShape(model)).containsExactly(354, TinyGguf.CONTEXT, TinyGguf.EMBEDDING);
            long context = LlamaNative.newContext(model, 96, 64, 1, false);
            try {
                assertThat(LlamaNative.contextShape(context)).containsExactly(96, 64);
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
    void theBundledLibraryIsTheApiTheShimWasWrittenFor() {
        assertThat(LlamaNative.check(LlamaNative.bundledLibrary())).isNull();
    }

    @Test
    void aLibraryOfAnotherApiIsRefusedWithAClearMessage() {
        Path libm = Path.of("/lib/x86_64-linux-gnu/libm.so.6");
        assertThat(LlamaNative.check(libm)).contains("is not llama.cpp build b4916")
            .contains("missing: llama_adapter_lora_free");
        assertThatThrownBy(() -> LlamaNative.bind(libm, false)).isInstanceOf(LlamaException.class)
            .hasMessageContaining("already bound");
    }

    private static Map<String, String> fields(String text) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String pair : text.split(",")) {
            String[] kv = pair.split("=", 2);
            fields.put(kv[0], kv[1]);
        }
        return fields;
    }

    private static Map<String, String> ordered(String... keyValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return map;
    }
}
