package dev.lore.models;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import io.swagger.v3.oas.annotations.Operation;

import com.fasterxml.jackson.annotation.JsonInclude;

/** {@code GET /api/v1/models}: which backend serves each role, what it can do, and whether it is healthy. */
@RestController
class ModelsController {

    private final GeneratorRegistry generators;
    private final Embedder embedder;
    private final Map<String, Reranker> rerankers;

    ModelsController(GeneratorRegistry generators, Embedder embedder, Map<String, Reranker> rerankers) {
        this.generators = generators;
        this.embedder = embedder;
        this.rerankers = rerankers;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ModelView(String role, String name, Map<String, Object> capabilities, Map<String, Object> health) {
    }

    record ModelsResponse(List<ModelView> models) {
    }

    @Operation(summary = "The configured models: roles, capabilities and health")
    @GetMapping("/api/v1/models")
    ModelsResponse models() {
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
                models.add(new ModelView(role.id(), backend.name(), capabilities, health(backend)));
            });
        }
        Map<String, Object> embedding = new LinkedHashMap<>();
        embedding.put("remote", embedder instanceof HealthIndicator);
        try {
            embedding.put("dimension", embedder.dimension());
        }
        catch (RuntimeException unknownYet) {
            // a remote model whose dimension only its first answer tells, while it does not answer
            embedding.put("dimension", null);
        }
        embedding.put("matryoshka", embedder.matryoshka());
        embedding.put("gpu", embedder.onGpu());
        models.add(new ModelView("embedder", embedder.name(), embedding, health(embedder)));
        rerankers.forEach((bean, reranker) -> models.add(new ModelView("reranker", reranker.name(),
                Map.of("kind", rerankerKind(bean)), health(reranker))));
        return new ModelsResponse(models);
    }

    private static String rerankerKind(String beanName) {
        return beanName.endsWith("Reranker") ? kebab(beanName.substring(0, beanName.length() - "Reranker".length()))
                : beanName;
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }

    private static Map<String, Object> health(Object model) {
        if (!(model instanceof HealthIndicator indicator)) {
            return Map.of("status", "UP", "details", Map.of("probe", "in-process"));
        }
        Health health;
        try {
            health = indicator.health();
        }
        catch (RuntimeException e) {
            health = Health.down(e).build();
        }
        return Map.of("status", health.getStatus().getCode(), "details", health.getDetails());
    }
}
