package dev.lore.retrieval.rerank;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

import dev.lore.models.Generator;
import dev.lore.models.Generators;
import dev.lore.models.Reranker;
import dev.lore.prompts.Prompt;
import dev.lore.prompts.Prompts;
import dev.lore.retrieval.RerankMode;
import dev.lore.web.LoreException;

/**
 * The rerankers this instance can run: the in-process cross-encoder and the rerank API when configured (beans
 * {@code crossEncoderReranker}, {@code apiReranker}), and the LLM reranker on the scorer (else the generator).
 */
@Component
public class Rerankers implements DisposableBean {

    private final Map<RerankMode, Reranker> available = new LinkedHashMap<>();
    private final ExecutorService executor;

    Rerankers(Map<String, Reranker> models, Generators generators, Prompts prompts, RerankProperties properties) {
        Prompt pointwise = prompts.require("rerank-pointwise", "query", "passage");
        Prompt listwise = prompts.require("rerank-listwise", "count", "query", "passages");
        this.executor = Executors.newFixedThreadPool(properties.llmConcurrency(), runnable -> {
            Thread thread = new Thread(runnable, "llm-rerank");
            thread.setDaemon(true);
            return thread;
        });
        Optional.ofNullable(models.get("crossEncoderReranker"))
                .ifPresent(reranker -> available.put(RerankMode.CROSS_ENCODER, reranker));
        Optional.ofNullable(models.get("apiReranker")).ifPresent(reranker -> available.put(RerankMode.API, reranker));
        Optional<Generator> judge = generators.scorer().or(generators::generator);
        judge.ifPresent(generator -> available.put(RerankMode.LLM,
                new LlmReranker(generator, pointwise, listwise, properties, executor)));
    }

    /** The reranker for {@code mode}, or a 400 naming the setting that would enable it. */
    public Reranker get(RerankMode mode) {
        Reranker reranker = available.get(mode);
        if (reranker != null) {
            return reranker;
        }
        String missing = switch (mode) {
            case CROSS_ENCODER -> "the cross-encoder needs lore.rerank.cross-encoder.model-dir (an ONNX model "
                    + "directory with tokenizer.json)";
            case API -> "the rerank API needs lore.rerank.api.base-url";
            case LLM -> "the LLM reranker needs a generator: set lore.scorer or lore.generator";
            case NONE -> "no reranker was asked for";
        };
        throw LoreException.badRequest("reranker-unavailable", "Reranker unavailable",
                "Reranker '" + mode.id() + "' is not configured: " + missing);
    }

    /** The first configured reranker, preferring the cross-encoder, then the API, then the LLM. */
    public Optional<Map.Entry<RerankMode, Reranker>> preferred() {
        return available.entrySet().stream().findFirst();
    }

    @Override
    public void destroy() {
        executor.shutdownNow();
    }
}
