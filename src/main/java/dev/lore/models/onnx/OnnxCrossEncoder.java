package dev.lore.models.onnx;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.util.PairList;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.lore.models.ModelFailure;
import dev.lore.models.Reranker;

/** A cross-encoder reranker (e.g. ms-marco-MiniLM-L-6-v2) run in-process by ONNX Runtime from a model directory. */
final class OnnxCrossEncoder implements Reranker, AutoCloseable {

    private static final String INPUT_IDS = "input_ids";
    private static final String ATTENTION_MASK = "attention_mask";
    private static final String TOKEN_TYPE_IDS = "token_type_ids";
    private static final Set<String> KNOWN_INPUTS = Set.of(INPUT_IDS, ATTENTION_MASK, TOKEN_TYPE_IDS);

    private final String name;
    private final OrtSession session;
    private final OnnxDevice device;
    private final HuggingFaceTokenizer tokenizer;
    private final Set<String> inputs;
    private final String output;
    private final int batchSize;
    private final boolean sigmoid;

    private OnnxCrossEncoder(String name, OnnxSessions.Opened opened, HuggingFaceTokenizer tokenizer, String output,
            int batchSize, boolean sigmoid) {
        this.name = name;
        this.session = opened.session();
        this.device = opened.device();
        this.tokenizer = tokenizer;
        this.inputs = Set.copyOf(session.getInputNames());
        this.output = output;
        this.batchSize = batchSize;
        this.sigmoid = sigmoid;
    }

    static OnnxCrossEncoder load(CrossEncoderProperties settings, OnnxProperties onnx) {
        Path dir = settings.modelDir();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalStateException("lore.rerank.cross-encoder.model-dir " + dir
                    + " is not a directory; it must hold model.onnx (or onnx/model.onnx) and tokenizer.json");
        }
        Path model = Files.isRegularFile(dir.resolve("model.onnx")) ? dir.resolve("model.onnx")
                : dir.resolve("onnx").resolve("model.onnx");
        if (!Files.isRegularFile(model)) {
            throw new IllegalStateException("lore.rerank.cross-encoder.model-dir " + dir
                    + " holds neither model.onnx nor onnx/model.onnx");
        }
        Path tokenizerJson = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new IllegalStateException("lore.rerank.cross-encoder.model-dir " + dir + " holds no tokenizer.json");
        }
        if (settings.maxLength() < 1 || settings.batchSize() < 1) {
            throw new IllegalArgumentException("lore.rerank.cross-encoder max-length and batch-size must be positive");
        }
        String name = "cross-encoder:" + dir.toAbsolutePath().normalize().getFileName();
        HuggingFaceTokenizer tokenizer = null;
        OnnxSessions.Opened opened = null;
        try {
            tokenizer = HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of("truncation", "longest_first",
                    "maxLength", Integer.toString(settings.maxLength()),
                    "modelMaxLength", Integer.toString(settings.maxLength()), "padding", "longest"));
            // a request's batches run one after another, so ONNX Runtime's own threads spread each over the cores
            opened = OnnxSessions.open(model.toString(), (env, options) -> env.createSession(model.toString(), options),
                    onnx, 0);
            Set<String> declared = opened.session().getInputNames();
            if (!declared.contains(INPUT_IDS) || !KNOWN_INPUTS.containsAll(declared)) {
                throw new IllegalStateException(model + " declares the inputs " + declared
                        + "; a cross-encoder takes input_ids and optionally attention_mask and token_type_ids");
            }
            Set<String> outputs = opened.session().getOutputNames();
            String output = outputs.contains("logits") ? "logits" : outputs.iterator().next();
            return new OnnxCrossEncoder(name, opened, tokenizer, output, settings.batchSize(), settings.sigmoid());
        }
        catch (IOException e) {
            close(tokenizer, opened == null ? null : opened.session());
            throw new UncheckedIOException("Cannot read " + tokenizerJson, e);
        }
        catch (OrtException e) {
            close(tokenizer, opened == null ? null : opened.session());
            throw new IllegalStateException("ONNX Runtime cannot load " + model + ": " + e.getMessage(), e);
        }
        catch (RuntimeException e) {
            close(tokenizer, opened == null ? null : opened.session());
            throw e;
        }
    }

    @Override
    public String name() {
        return name;
    }

    OnnxDevice device() {
        return device;
    }

    @Override
    public List<Double> score(String query, List<String> passages) {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(passages, "passages");
        List<Double> scores = new ArrayList<>(passages.size());
        for (int from = 0; from < passages.size(); from += batchSize) {
            List<String> batch = passages.subList(from, Math.min(from + batchSize, passages.size()));
            try {
                scores.addAll(scoreBatch(query, batch));
            }
            catch (OrtException e) {
                throw ModelFailure.of(name, "ONNX Runtime failed on a batch of " + batch.size() + " passages", e);
            }
        }
        return Collections.unmodifiableList(scores);
    }

    private List<Double> scoreBatch(String query, List<String> passages) throws OrtException {
        Encoding[] encodings = tokenizer.batchEncode(
                new PairList<>(Collections.nCopies(passages.size(), query), passages));
        int rows = encodings.length;
        int length = 0;
        for (Encoding encoding : encodings) {
            length = Math.max(length, encoding.getIds().length);
        }
        // zero-filled beyond each encoding: padding carries attention 0, whatever the tokenizer padded with
        long[] ids = new long[rows * length];
        long[] mask = new long[rows * length];
        long[] types = new long[rows * length];
        for (int row = 0; row < rows; row++) {
            Encoding encoding = encodings[row];
            System.arraycopy(encoding.getIds(), 0, ids, row * length, encoding.getIds().length);
            System.arraycopy(encoding.getAttentionMask(), 0, mask, row * length, encoding.getAttentionMask().length);
            System.arraycopy(encoding.getTypeIds(), 0, types, row * length, encoding.getTypeIds().length);
        }
        long[] shape = { rows, length };
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        Map<String, OnnxTensor> feed = new HashMap<>();
        try {
            feed.put(INPUT_IDS, OnnxTensor.createTensor(environment, LongBuffer.wrap(ids), shape));
            if (inputs.contains(ATTENTION_MASK)) {
                feed.put(ATTENTION_MASK, OnnxTensor.createTensor(environment, LongBuffer.wrap(mask), shape));
            }
            if (inputs.contains(TOKEN_TYPE_IDS)) {
                feed.put(TOKEN_TYPE_IDS, OnnxTensor.createTensor(environment, LongBuffer.wrap(types), shape));
            }
            try (OrtSession.Result result = session.run(feed, Set.of(output))) {
                return toScores(result.get(0), rows);
            }
        }
        finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    private List<Double> toScores(OnnxValue value, int rows) {
        if (!(value instanceof OnnxTensor tensor) || tensor.getInfo().type != OnnxJavaType.FLOAT) {
            throw ModelFailure.of(name, "output '" + output + "' is not a float tensor: " + value.getInfo());
        }
        float[] logits = new float[tensor.getFloatBuffer().remaining()];
        tensor.getFloatBuffer().get(logits);
        if (logits.length != rows && logits.length != 2 * rows) {
            throw ModelFailure.of(name, "output '" + output + "' has " + logits.length + " values for " + rows
                    + " pairs; expected one or two logits per pair");
        }
        List<Double> scores = new ArrayList<>(rows);
        for (int row = 0; row < rows; row++) {
            if (logits.length == rows) {
                double logit = logits[row];
                scores.add(sigmoid ? 1 / (1 + Math.exp(-logit)) : logit);
            }
            else {
                scores.add(1 / (1 + Math.exp((double) logits[2 * row] - logits[2 * row + 1])));
            }
        }
        return scores;
    }

    @Override
    public void close() {
        close(tokenizer, session);
    }

    private static void close(HuggingFaceTokenizer tokenizer, OrtSession session) {
        if (tokenizer != null) {
            tokenizer.close();
        }
        if (session != null) {
            try {
                session.close();
            }
            catch (OrtException e) {
                throw new IllegalStateException("Cannot close the cross-encoder's ONNX Runtime session", e);
            }
        }
    }
}
