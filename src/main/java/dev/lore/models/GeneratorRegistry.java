package dev.lore.models;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

import dev.lore.models.backend.GeneratorBackend;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Opens the backends that {@code lore.generator} and {@code lore.scorer} select, once each, at start-up: a role
 * sharing its backend with another shares the instance (one local engine per model), metered per role.
 */
@Component
class GeneratorRegistry implements Generators, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(GeneratorRegistry.class);

    private final Map<GeneratorRole, Generator> byRole = new EnumMap<>(GeneratorRole.class);
    private final Map<String, Generator> opened = new HashMap<>();

    GeneratorRegistry(GeneratorSelection selection, List<GeneratorBackend> backends, MeterRegistry meters) {
        Map<String, GeneratorBackend> known = new HashMap<>();
        backends.forEach(backend -> known.put(backend.id(), backend));
        for (GeneratorRole role : GeneratorRole.values()) {
            String id = selection.backendFor(role);
            if (GeneratorSelection.NONE.equals(id)) {
                continue;
            }
            GeneratorBackend backend = known.get(id);
            if (backend == null) {
                throw new IllegalStateException("Unknown model backend '" + id + "' for lore." + role.id()
                        + "; known: none, " + String.join(", ", new TreeSet<>(known.keySet())));
            }
            Generator generator = opened.computeIfAbsent(id, ignored -> backend.open());
            byRole.put(role, new MeteredGenerator(generator, role, meters));
            log.info("Model role {} served by {} (capabilities {})", role.id(), generator.name(),
                    generator.capabilities());
        }
    }

    @Override
    public Optional<Generator> forRole(GeneratorRole role) {
        return Optional.ofNullable(byRole.get(role));
    }

    /** The distinct opened generators, unwrapped, by backend id. */
    Map<String, Generator> opened() {
        return Map.copyOf(opened);
    }

    @Override
    public void destroy() throws Exception {
        for (Generator generator : opened.values()) {
            if (generator instanceof AutoCloseable closeable) {
                closeable.close();
            }
        }
    }
}
