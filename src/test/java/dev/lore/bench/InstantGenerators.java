package dev.lore.bench;

import java.util.List;
import java.util.function.Consumer;

import dev.lore.models.Cancellation;
import dev.lore.models.Completion;
import dev.lore.models.FinishReason;
import dev.lore.models.Generation;
import dev.lore.models.GenerationRequest;
import dev.lore.models.Generator;
import dev.lore.models.GeneratorCapabilities;
import dev.lore.models.Usage;
import dev.lore.models.backend.GeneratorBackend;

/**
 * Benchmarks' in-process generators: each answers every prompt at once with one cited sentence, so a run measures
 * Lore's own cost, refusals and citation bookkeeping, not a model's wording.
 */
final class InstantGenerators {

    private InstantGenerators() {
    }

    /** A backend {@code id} whose generator hands each request to {@code seen} before it answers. */
    static GeneratorBackend backend(String id, Consumer<GenerationRequest> seen) {
        Generator generator = new Generator() {
            @Override
            public String name() {
                return id + ":bench";
            }

            @Override
            public GeneratorCapabilities capabilities() {
                return new GeneratorCapabilities(false, true, false, false, false);
            }

            @Override
            public Generation generate(GenerationRequest request) {
                seen.accept(request);
                return new Generation(name(), List.of(new Completion("The handbook says so [1].", List.of(),
                        FinishReason.STOP)), new Usage(request.messages().get(0).content().length() / 4, 8));
            }

            @Override
            public Generation stream(GenerationRequest request, Consumer<String> onToken,
                    Cancellation cancellation) {
                Generation generation = generate(request);
                onToken.accept(generation.text());
                return generation;
            }
        };
        return new GeneratorBackend() {
            @Override
            public String id() {
                return id;
            }

            @Override
            public Generator open() {
                return generator;
            }
        };
    }
}
