package dev.lore.prompts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.ai.template.TemplateRenderer;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.stereotype.Component;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The prompt library: every {@code prompts/*.st} on the classpath with the JSON schema of its answer where a
 * {@code prompts/<name>.schema.json} gives one, each replaceable by a file of the same name in
 * {@code lore.prompts.dir}. Callers declare the placeholders they fill with {@link #require}, which fails start-up
 * when a template does not match them.
 */
@Component
public class Prompts {

    private static final Logger log = LoggerFactory.getLogger(Prompts.class);

    private static final String SCHEMA = ".schema.json";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Map<String, Prompt> prompts = new ConcurrentHashMap<>();

    public Prompts(PromptsProperties properties) {
        TemplateRenderer renderer = new PromptRenderer();
        Map<String, Prompt> loaded = new TreeMap<>();
        try {
            for (Resource resource : new PathMatchingResourcePatternResolver().getResources("classpath*:prompts/*.st")) {
                String name = stripSuffix(resource.getFilename());
                loaded.putIfAbsent(name, new Prompt(name, resource.getContentAsString(StandardCharsets.UTF_8),
                        "classpath:prompts/" + resource.getFilename(), renderer));
            }
            if (properties.dir() != null) {
                if (!Files.isDirectory(properties.dir())) {
                    throw new IllegalStateException("lore.prompts.dir is not a directory: " + properties.dir());
                }
                try (Stream<Path> files = Files.list(properties.dir())) {
                    for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".st")).sorted().toList()) {
                        String name = stripSuffix(file.getFileName().toString());
                        loaded.put(name, new Prompt(name, Files.readString(file), file.toString(), renderer));
                        log.info("Prompt '{}' overridden by {}", name, file);
                    }
                }
            }
            Map<String, String> schemas = new TreeMap<>();
            for (Resource resource : new PathMatchingResourcePatternResolver()
                    .getResources("classpath*:prompts/*" + SCHEMA)) {
                schemas.putIfAbsent(stripSchema(resource.getFilename()),
                        resource.getContentAsString(StandardCharsets.UTF_8));
            }
            if (properties.dir() != null) {
                try (Stream<Path> files = Files.list(properties.dir())) {
                    for (Path file : files.filter(f -> f.getFileName().toString().endsWith(SCHEMA)).sorted()
                            .toList()) {
                        schemas.put(stripSchema(file.getFileName().toString()), Files.readString(file));
                        log.info("Schema of prompt '{}' overridden by {}", stripSchema(file.getFileName().toString()),
                                file);
                    }
                }
            }
            schemas.forEach((name, schema) -> {
                Prompt prompt = loaded.get(name);
                if (prompt == null) {
                    throw new IllegalStateException("A schema for prompt '" + name + "' (" + name + SCHEMA
                            + ") but no prompts/" + name + ".st");
                }
                loaded.put(name, prompt.withSchema(checked(name, schema)));
            });
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot read prompts", e);
        }
        prompts.putAll(loaded);
        log.info("Loaded {} prompts: {}", loaded.size(), loaded.keySet());
    }

    /** The prompt named {@code name}, checked to use exactly the given placeholders. */
    public Prompt require(String name, String... placeholders) {
        Prompt prompt = get(name);
        prompt.requirePlaceholders(Set.of(placeholders));
        return prompt;
    }

    public Prompt get(String name) {
        Prompt prompt = prompts.get(name);
        if (prompt == null) {
            throw new PromptNotFound(name);
        }
        return prompt;
    }

    public boolean contains(String name) {
        return prompts.containsKey(name);
    }

    private static String stripSchema(String filename) {
        return filename.substring(0, filename.length() - SCHEMA.length());
    }

    /** A schema that is no JSON object fails start-up, not the first request that sends it. */
    private static String checked(String name, String schema) {
        try {
            if (!JSON.readTree(schema).isObject()) {
                throw new IllegalStateException("The schema of prompt '" + name + "' is not a JSON object");
            }
            return schema;
        }
        catch (JacksonException e) {
            throw new IllegalStateException("The schema of prompt '" + name + "' is not JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    private static String stripSuffix(String filename) {
        return filename.substring(0, filename.length() - ".st".length());
    }
}
