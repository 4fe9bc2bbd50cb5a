package dev.lore.models;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.health.contributor.Health;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.lore.security.CurrentCaller;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * {@code GET /api/v1/models}: which backend serves each role, what it can do, and whether it is healthy. The health
 * details (base URLs, a failing backend's exception text, circuit-breaker state) are the administrator's: other keys
 * see each model's status only. Probes are cached ({@link ModelHealth}).
 */
@RestController
@Tag(name = "Models")
class ModelsController {

    private final GeneratorRegistry generators;
    private final Embedder embedder;
    private final Map<String, Reranker> rerankers;
    private final ModelHealth health;
    private final CurrentCaller caller;

    ModelsController(GeneratorRegistry generators, Embedder embedder, Map<String, Reranker> rerankers,
            ModelHealth health, CurrentCaller caller) {
        this.generators = generators;
        this.embedder = embedder;
        this.rerankers = rerankers;
        this.health = health;
        this.caller = caller;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ModelView(String role, String name, Map<String, Object> capabilities, Map<String, Object> health) {
    }

    record ModelsResponse(List<ModelView> models) {
    }

    @Operation(summary = "The configured models: roles, capabilities and health")
    @GetMapping("/api/v1/models")
    ModelsResponse models() {
        boolean details = caller.get().admin();
        List<ModelView> models = new ArrayList<>();
        for (GeneratorRole role : GeneratorRole.values()) {
            generators.forRole(role).ifPresent(generator -> {
                Generator backend = generator instanceof MeteredGenerator metered ? metered.delegate() : generator;
                GeneratorCapabilities c = backend.capabilities();
                Map<String, Object> capabilities = new LinkedHashMap<>();
                capabilities.put("logprobs", c.logprobs());
                capabilities.put("streaming", c.streaming());
                capabilities.put("n", c.n());
                capabilities.put("scoring", c.scoring());
                capabilities.put("gpu", c.gpu());
                capabilities.put("structuredOutput", c.structuredOutput());
                models.add(new ModelView(role.id(), backend.name(), capabilities, health(backend, details)));
            });
        }
        Map<String, Object> embedding = new LinkedHashMap<>();
        embedding.put("remote", ModelHealth.probed(embedder));
        try {
            embedding.put("dimension", embedder.dimension());
        }
        catch (RuntimeException unknownYet) {
            // a remote model whose dimension only its first answer tells, while it does not answer
            embedding.put("dimension", null);
        }
        embedding.put("matryoshka", embedder.matryoshka());
        embedding.put("gpu", embedder.onGpu());
        models.add(new ModelView("embedder", embedder.name(), embedding, health(embedder, details)));
        rerankers.forEach((bean, reranker) -> models.add(new ModelView("reranker", reranker.name(),
                Map.of("kind", rerankerKind(bean)), health(reranker, details))));
        return new ModelsResponse(models);
    }

    private static String rerankerKind(String beanName) {
        return beanName.endsWith("Reranker") ? kebab(beanName.substring(0, beanName.length() - "Reranker".length()))
                : beanName;
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }

    private Map<String, Object> health(Object model, boolean details) {
        if (!ModelHealth.probed(model)) {
            return details ? Map.of("status", "UP", "details", Map.of("probe", "in-process")) : Map.of("status", "UP");
        }
        Health probed = health.of(model);
        return details ? Map.of("status", probed.getStatus().getCode(), "details", probed.getDetails())
                : Map.of("status", probed.getStatus().getCode());
    }
}
