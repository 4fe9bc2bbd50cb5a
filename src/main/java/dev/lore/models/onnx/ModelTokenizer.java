package dev.lore.models.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;

/** An embedding model's own Hugging Face tokenizer, as shipped beside the ONNX file in its jar. */
final class ModelTokenizer {

    private final HuggingFaceTokenizer tokenizer;

    private ModelTokenizer(HuggingFaceTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    static ModelTokenizer fromClasspath(String resource) {
        try (InputStream in = ModelTokenizer.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Tokenizer " + resource + " is not on the classpath");
            }
            return new ModelTokenizer(HuggingFaceTokenizer.newInstance(in,
                    Map.of("truncation", "false", "padding", "false")));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int[] tokenStarts(String text) {
        // straight to the native encoding for its spans alone: HuggingFaceTokenizer.encode copies every array of the
        // encoding into Java (ids, tokens as strings, masks...), and chunking needs none of them
        long encoding = TokenizersLibrary.LIB.encode(tokenizer.getHandle(), text, false);
        CharSpan[] spans;
        try {
            spans = TokenizersLibrary.LIB.getTokenCharSpans(encoding);
        }
        finally {
            TokenizersLibrary.LIB.deleteEncoding(encoding);
        }
        int[] starts = new int[spans.length];
        int n = 0;
        for (CharSpan span : spans) {
            if (span != null && (n == 0 || span.getStart() > starts[n - 1])) {
                starts[n++] = span.getStart();
            }
        }
        return n == starts.length ? starts : java.util.Arrays.copyOf(starts, n);
    }
}
