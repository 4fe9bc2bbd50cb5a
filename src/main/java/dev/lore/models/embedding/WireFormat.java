package dev.lore.models.embedding;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.lore.models.backend.RemoteFailure;
import dev.lore.models.backend.RemoteHttp;
import tools.jackson.databind.JsonNode;

/**
 * How one kind of embedding service is asked for a batch of vectors and answers: OpenAI's {@code /v1/embeddings}
 * (also vLLM, llama.cpp server, LM Studio and TEI's OpenAI route), Ollama's {@code /api/embed} and TEI's {@code /embed}.
 * Each answer comes back as one raw vector per text, in the texts' order; {@link RemoteEmbedder} checks them.
 */
sealed interface WireFormat {

    /** The path of the embedding call, relative to the base URL. */
    String path();

    /** A cheap GET that answers when the service is up. */
    String probePath();

    String body(List<String> texts);

    List<double[]> read(String answer, int texts);

    /** {@code POST /v1/embeddings}: {@code {"model","input":[...],"encoding_format":"float"[,"dimensions"]}}. */
    record OpenAi(String model, Integer dimensions, boolean baseHasVersion) implements WireFormat {

        @Override
        public String path() {
            return baseHasVersion ? "/embeddings" : "/v1/embeddings";
        }

        @Override
        public String probePath() {
            return baseHasVersion ? "/models" : "/v1/models";
        }

        @Override
        public String body(List<String> texts) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("model", model);
            body.put("input", texts);
            // some OpenAI-compatible servers default to base64 or do not know it: ask for floats explicitly
            body.put("encoding_format", "float");
            if (dimensions != null) {
                body.put("dimensions", dimensions);
            }
            return RemoteHttp.write(body);
        }

        @Override
        public List<double[]> read(String answer, int texts) {
            JsonNode data = RemoteHttp.read(answer, "embeddings answer").path("data");
            if (!data.isArray()) {
                throw RemoteFailure.malformed("the embeddings answer has no 'data' list", null);
            }
            double[][] vectors = new double[texts][];
            for (JsonNode item : data.values()) {
                int index = item.path("index").asInt(-1);
                if (index < 0 || index >= texts || vectors[index] != null) {
                    throw RemoteFailure.malformed("an embedding has index " + item.get("index") + " for " + texts
                            + " texts", null);
                }
                vectors[index] = numbers(item.path("embedding"), "an embedding");
            }
            return complete(vectors);
        }
    }

    /** Ollama's {@code POST /api/embed}: {@code {"model","input":[...]}} answered by {@code {"embeddings":[[...]]}}. */
    record Ollama(String model) implements WireFormat {

        @Override
        public String path() {
            return "/api/embed";
        }

        @Override
        public String probePath() {
            return "/api/tags";
        }

        @Override
        public String body(List<String> texts) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("model", model);
            body.put("input", texts);
            return RemoteHttp.write(body);
        }

        @Override
        public List<double[]> read(String answer, int texts) {
            JsonNode root = RemoteHttp.read(answer, "embed answer");
            if (root.has("error")) {
                throw RemoteFailure.malformed("Ollama: " + root.path("error").asString(""), null);
            }
            return list(root.path("embeddings"), "the embed answer's 'embeddings'", texts);
        }
    }

    /** TEI's {@code POST /embed}: {@code {"inputs":[...],"truncate":true}} answered by a bare list of vectors. */
    record Tei() implements WireFormat {

        @Override
        public String path() {
            return "/embed";
        }

        @Override
        public String probePath() {
            return "/health";
        }

        @Override
        public String body(List<String> texts) {
            // truncate: a chunk over the model's limit is cut rather than refused (Lore's chunks are ~300 tokens)
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("inputs", texts);
            body.put("truncate", true);
            body.put("normalize", true);
            return RemoteHttp.write(body);
        }

        @Override
        public List<double[]> read(String answer, int texts) {
            return list(RemoteHttp.read(answer, "embed answer"), "the embed answer", texts);
        }
    }

    private static List<double[]> list(JsonNode vectors, String what, int texts) {
        if (!vectors.isArray()) {
            throw RemoteFailure.malformed(what + " is not a list of vectors", null);
        }
        if (vectors.size() != texts) {
            throw RemoteFailure.malformed(what + " holds " + vectors.size() + " vectors for " + texts + " texts", null);
        }
        List<double[]> read = new ArrayList<>(texts);
        for (JsonNode vector : vectors.values()) {
            read.add(numbers(vector, "a vector"));
        }
        return read;
    }

    private static List<double[]> complete(double[][] vectors) {
        for (int i = 0; i < vectors.length; i++) {
            if (vectors[i] == null) {
                throw RemoteFailure.malformed("the answer has no embedding for text " + i + " of " + vectors.length,
                        null);
            }
        }
        return List.of(vectors);
    }

    /** The numbers of a JSON array; {@code NaN} and infinities (as some servers write them) stay, to be refused. */
    private static double[] numbers(JsonNode array, String what) {
        if (!array.isArray()) {
            throw RemoteFailure.malformed(what + " is not a list of numbers", null);
        }
        double[] numbers = new double[array.size()];
        int i = 0;
        for (JsonNode number : array.values()) {
            if (number.isNumber()) {
                numbers[i++] = number.asDouble();
            }
            else if (number.isString() || number.isNull()) {
                // "NaN", "Infinity" or null where a number belongs
                numbers[i++] = Double.NaN;
            }
            else {
                throw RemoteFailure.malformed(what + " holds " + number + " where a number belongs", null);
            }
        }
        return numbers;
    }
}
