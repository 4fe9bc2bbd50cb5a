package dev.lore.models.rerankapi;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.lore.models.Reranker;
import dev.lore.models.backend.ResilienceProperties;
import io.micrometer.core.instrument.MeterRegistry;

/** Offers the HTTP rerank API as the {@code apiReranker} bean when {@code lore.rerank.api.base-url} is set. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "lore.rerank.api", name = "base-url")
class RerankApiConfiguration {

    @Bean
    Reranker apiReranker(RerankApiProperties properties, ResilienceProperties resilience, MeterRegistry meters) {
        return HttpReranker.create(properties, resilience, meters);
    }
}
