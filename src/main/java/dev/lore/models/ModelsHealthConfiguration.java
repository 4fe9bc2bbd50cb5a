package dev.lore.models;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Adds a {@code models} entry to {@code /actuator/health} with one indicator per opened generator backend; remote
 * backends' probes are cached ({@link ModelHealth}), since load balancers poll this endpoint without a key.
 */
@Configuration(proxyBeanMethods = false)
class ModelsHealthConfiguration {

    @Bean
    CompositeHealthContributor modelsHealthContributor(GeneratorRegistry registry, Embedder embedder,
            ModelHealth health) {
        Map<String, HealthContributor> contributors = new LinkedHashMap<>();
        contributors.put("embedder", ModelHealth.probed(embedder) ? health.cached(embedder)
                : (HealthIndicator) () -> Health.up().withDetail("name", embedder.name())
                        .withDetail("dimension", embedder.dimension()).build());
        registry.opened().forEach((id, generator) -> {
            if (ModelHealth.probed(generator)) {
                contributors.put(id, health.cached(generator));
            }
            else {
                contributors.put(id, (HealthIndicator) () -> Health.up().withDetail("name", generator.name()).build());
            }
        });
        return CompositeHealthContributor.fromMap(contributors);
    }
}
