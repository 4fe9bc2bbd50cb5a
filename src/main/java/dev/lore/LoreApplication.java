package dev.lore;

import java.time.Clock;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;
import org.springframework.scheduling.annotation.EnableScheduling;

/** Lore: ingestion, retrieval and answers over company documents, on PostgreSQL + pgvector. */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class LoreApplication {

    public static void main(String[] args) {
        SpringApplication.run(LoreApplication.class, args);
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
