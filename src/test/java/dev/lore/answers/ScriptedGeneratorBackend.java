package dev.lore.answers;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

import dev.lore.models.Generator;
import dev.lore.models.backend.GeneratorBackend;

/** Registers {@link ScriptedGenerator} as the backend {@code scripted}: tests select it with lore.generator. */
@TestConfiguration(proxyBeanMethods = false)
public class ScriptedGeneratorBackend {

    public static final ScriptedGenerator GENERATOR = new ScriptedGenerator();

    @Bean
    GeneratorBackend scriptedGeneratorBackend() {
        return new GeneratorBackend() {
            @Override
            public String id() {
                return "scripted";
            }

            @Override
            public Generator open() {
                return GENERATOR;
            }
        };
    }
}
