package dev.lore.models.local;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a tiny random-weight model as GGUF v3 (64-dim embeddings, 2 layers, 4 heads, F32 tensors, context length
 * 256, an SPM vocabulary with byte fallback), deterministic for a given seed, so the engine's tests run the real
 * llama.cpp code path without downloading a model. Besides {@code llama} it writes the tensor sets of today's
 * common architectures: {@code qwen2} (Q/K/V biases, tied output), {@code qwen3} (grouped-query attention with
 * Q/K norms) and {@code gemma3} (sliding-window attention, post-norms, tied output).
 */
final class TinyGguf {

    static final int EMBEDDING = 64;
    static final int LAYERS = 2;
    static final int HEADS = 4;
    static final int FEED_FORWARD = 128;
    static final int CONTEXT = 256;
    static final String CHATML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
            + "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /** ChatML's turn markers, control tokens of the vocabulary when the model has a chat template. */
    static final String IM_START = "<|im_start|>";
    static final String IM_END = "<|im_end|>";

    private static final int ALIGNMENT = 32;
    private static final int TYPE_UINT32 = 4;
    private static final int TYPE_INT32 = 5;
    private static final int TYPE_FLOAT32 = 6;
    private static final int TYPE_STRING = 8;
    private static final int TYPE_ARRAY = 9;
    private static final int TOKEN_NORMAL = 1;
    private static final int TOKEN_UNKNOWN = 2;
    private static final int TOKEN_CONTROL = 3;
    private static final int TOKEN_BYTE = 6;

    /** The architectures the writer knows, with the GGUF name llama.cpp reads. */
    enum Architecture {
        LLAMA("llama", 1), QWEN2("qwen2", 1), QWEN3("qwen3", 2), GEMMA3("gemma3", 2);

        final String gguf;
        private final int headsPerKvHead;

        Architecture(String gguf, int headsPerKvHead) {
            this.gguf = gguf;
            this.headsPerKvHead = headsPerKvHead;
        }

        int kvHeads(Size size) {
            return size.heads() / headsPerKvHead;
        }
    }

    /** The model's dimensions: the tests' tiny default, or a larger one for measuring kernels rather than calls. */
    record Size(int embedding, int layers, int heads, int feedForward) {

        static final Size TINY = new Size(EMBEDDING, LAYERS, HEADS, FEED_FORWARD);
        static final Size BENCH = new Size(256, 4, 8, 704);

        int headDimension() {
            return embedding / heads;
        }
    }

    private TinyGguf() {
    }

    static Path write(Path file, long seed, String chatTemplate) throws IOException {
        return write(file, seed, chatTemplate, Architecture.LLAMA);
    }

    static Path write(Path file, long seed, String chatTemplate, Architecture architecture) throws IOException {
        return write(file, seed, chatTemplate, architecture, Size.TINY);
    }

    static Path write(Path file, long seed, String chatTemplate, Architecture architecture, Size size)
            throws IOException {
        List<String> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        List<Integer> types = new ArrayList<>(List.of(TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_CONTROL));
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
            types.add(TOKEN_BYTE);
        }
        tokens.add("\u2581");
        types.add(TOKEN_NORMAL);
        for (char c = '!'; c <= '~'; c++) {
            tokens.add(String.valueOf(c));
            types.add(TOKEN_NORMAL);
        }
        if (chatTemplate != null) {
            tokens.addAll(List.of(IM_START, IM_END));
            types.addAll(List.of(TOKEN_CONTROL, TOKEN_CONTROL));
        }
        int vocabulary = tokens.size();

        Writer out = new Writer();
        out.raw("GGUF".getBytes(StandardCharsets.US_ASCII));
        out.u32(3);
        Map<String, long[]> shapes = shapes(vocabulary, architecture, size);
        Map<String, float[]> tensors = tensors(shapes, seed);
        out.u64(tensors.size());
        boolean gemma = architecture == Architecture.GEMMA3;
        int keys = 20 + (chatTemplate == null ? 0 : 1) + (gemma ? 1 : 0);
        out.u64(keys);
        String arch = architecture.gguf;
        out.kvString("general.architecture", arch);
        out.kvString("general.name", "lore-tiny-" + arch);
        out.kvU32("general.alignment", ALIGNMENT);
        out.kvU32(arch + ".context_length", CONTEXT);
        out.kvU32(arch + ".embedding_length", size.embedding());
        out.kvU32(arch + ".block_count", size.layers());
        out.kvU32(arch + ".feed_forward_length", size.feedForward());
        out.kvU32(arch + ".attention.head_count", size.heads());
        out.kvU32(arch + ".attention.head_count_kv", architecture.kvHeads(size));
        out.kvU32(arch + ".rope.dimension_count", size.headDimension());
        out.kvF32(arch + ".rope.freq_base", 10000f);
        out.kvF32(arch + ".attention.layer_norm_rms_epsilon", 1e-5f);
        out.kvU32(arch + ".vocab_size", vocabulary);
        if (gemma) {
            out.kvU32(arch + ".attention.sliding_window", 32);
        }
        out.kvString("tokenizer.ggml.model", "llama");
        out.key("tokenizer.ggml.tokens");
        out.u32(TYPE_ARRAY);
        out.u32(TYPE_STRING);
        out.u64(vocabulary);
        tokens.forEach(out::string);
        out.key("tokenizer.ggml.scores");
        out.u32(TYPE_ARRAY);
        out.u32(TYPE_FLOAT32);
        out.u64(vocabulary);
        for (int i = 0; i < vocabulary; i++) {
            out.f32(types.get(i) == TOKEN_NORMAL ? -i : 0f);
        }
        out.key("tokenizer.ggml.token_type");
        out.u32(TYPE_ARRAY);
        out.u32(TYPE_INT32);
        out.u64(vocabulary);
        types.forEach(out::u32);
        out.kvU32("tokenizer.ggml.bos_token_id", 1);
        out.kvU32("tokenizer.ggml.eos_token_id", 2);
        out.kvU32("tokenizer.ggml.unknown_token_id", 0);
        if (chatTemplate != null) {
            out.kvString("tokenizer.chat_template", chatTemplate);
        }

        long offset = 0;
        for (Map.Entry<String, float[]> tensor : tensors.entrySet()) {
            long[] shape = shapes.get(tensor.getKey());
            out.string(tensor.getKey());
            out.u32(shape.length);
            for (long dimension : shape) {
                out.u64(dimension);
            }
            out.u32(0);
            out.u64(offset);
            offset = align(offset + 4L * tensor.getValue().length);
        }
        out.pad();
        for (float[] values : tensors.values()) {
            for (float value : values) {
                out.f32(value);
            }
            out.pad();
        }
        Files.write(file, out.bytes());
        return file;
    }

    private static Map<String, long[]> shapes(int vocabulary, Architecture architecture, Size size) {
        boolean tied = architecture == Architecture.QWEN2 || architecture == Architecture.GEMMA3;
        boolean qkNorm = architecture == Architecture.QWEN3 || architecture == Architecture.GEMMA3;
        int kv = size.headDimension() * architecture.kvHeads(size);
        int embedding = size.embedding();
        int feedForward = size.feedForward();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("token_embd.weight", new long[] { embedding, vocabulary });
        shapes.put("output_norm.weight", new long[] { embedding });
        if (!tied) {
            shapes.put("output.weight", new long[] { embedding, vocabulary });
        }
        for (int layer = 0; layer < size.layers(); layer++) {
            String block = "blk." + layer + ".";
            shapes.put(block + "attn_norm.weight", new long[] { embedding });
            shapes.put(block + "attn_q.weight", new long[] { embedding, embedding });
            shapes.put(block + "attn_k.weight", new long[] { embedding, kv });
            shapes.put(block + "attn_v.weight", new long[] { embedding, kv });
            shapes.put(block + "attn_output.weight", new long[] { embedding, embedding });
            if (architecture == Architecture.QWEN2) {
                shapes.put(block + "attn_q.bias", new long[] { embedding });
                shapes.put(block + "attn_k.bias", new long[] { kv });
                shapes.put(block + "attn_v.bias", new long[] { kv });
            }
            if (qkNorm) {
                shapes.put(block + "attn_q_norm.weight", new long[] { size.headDimension() });
                shapes.put(block + "attn_k_norm.weight", new long[] { size.headDimension() });
            }
            if (architecture == Architecture.GEMMA3) {
                shapes.put(block + "post_attention_norm.weight", new long[] { embedding });
                shapes.put(block + "post_ffw_norm.weight", new long[] { embedding });
            }
            shapes.put(block + "ffn_norm.weight", new long[] { embedding });
            shapes.put(block + "ffn_gate.weight", new long[] { embedding, feedForward });
            shapes.put(block + "ffn_down.weight", new long[] { feedForward, embedding });
            shapes.put(block + "ffn_up.weight", new long[] { embedding, feedForward });
        }
        return shapes;
    }

    private static Map<String, float[]> tensors(Map<String, long[]> shapes, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, float[]> tensors = new LinkedHashMap<>();
        shapes.forEach((name, shape) -> {
            int size = 1;
            for (long dimension : shape) {
                size *= (int) dimension;
            }
            float[] values = new float[size];
            boolean norm = name.endsWith("norm.weight");
            float scale = name.startsWith("token_embd") ? 1f : 0.3f;
            for (int i = 0; i < size; i++) {
                values[i] = norm ? 1f : (float) (random.nextDouble(-1, 1) * scale);
            }
            tensors.put(name, values);
        });
        return tensors;
    }

    private static long align(long offset) {
        return (offset + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    /** Little-endian GGUF primitives. */
    private static final class Writer {

        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        void raw(byte[] data) {
            bytes.writeBytes(data);
        }

        void u32(int value) {
            scratch.clear();
            bytes.write(scratch.putInt(value).array(), 0, 4);
        }

        void u64(long value) {
            scratch.clear();
            bytes.write(scratch.putLong(value).array(), 0, 8);
        }

        void f32(float value) {
            scratch.clear();
            bytes.write(scratch.putFloat(value).array(), 0, 4);
        }

        void string(String value) {
            byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
            u64(utf8.length);
            raw(utf8);
        }

        void key(String key) {
            string(key);
        }

        void kvString(String key, String value) {
            key(key);
            u32(TYPE_STRING);
            string(value);
        }

        void kvU32(String key, int value) {
            key(key);
            u32(TYPE_UINT32);
            u32(value);
        }

        void kvF32(String key, float value) {
            key(key);
            u32(TYPE_FLOAT32);
            f32(value);
        }

        void pad() {
            while (bytes.size() % ALIGNMENT != 0) {
                bytes.write(0);
            }
        }

        byte[] bytes() {
            return bytes.toByteArray();
        }
    }
}
