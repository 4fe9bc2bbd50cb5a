package dev.lore.support;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

import dev.lore.models.Generator;
import dev.lore.models.backend.GeneratorBackend;

/** Registers {@link FakeGenerator} as the backend {@code fake}: tests select it with {@code lore.generator=fake}. */
@TestConfiguration(proxyBeanMethods = false)
public class FakeGeneratorBackend {

    public static final FakeGenerator GENERATOR = new FakeGenerator(true, false);

    @Bean
    GeneratorBackend fakeGeneratorBackend() {
        return new GeneratorBackend() {
            @Override
            public String id() {
                return "fake";
            }

            @Override
            public Generator open() {
                return GENERATOR;
            }
        };
    }
}
