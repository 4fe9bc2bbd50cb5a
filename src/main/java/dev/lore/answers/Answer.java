package dev.lore.answers;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An answer with its citations, the retrievals behind it, the model calls it cost and how long it took;
 * {@code grounded} is false for a refusal, and {@code refusedFor} then says why: {@code support} (the sources are too
 * far from the question, or none was found), {@code figure} (without a generator, the question asks only for a
 * figure that the sentences an answer would quote do not state, or state only of something the question does not
 * name) or {@code model} (the generator wrote the refusal). {@code flare} says which FLARE ran ({@code direct} or
 * {@code instruct}) and is absent for other strategies; {@code extractive} names the sentence scorer of an extractive
 * answer;
 * {@code droppedMarkers} counts {@code [n]} markers that named no source; {@code unsupported} lists the generated
 * sentences that neither carry a marker nor agree with any source sentence enough to be attributed.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Answer(String answer, boolean grounded, String refusedFor, String generator, String strategy,
        String flare, String extractive, List<Citation> citations, List<String> unsupported, int droppedMarkers,
        double support,
        List<RetrievalStep> retrievals, Usage usage, Map<String, Long> timingsMs) {

    /** What an answer spent on model calls. */
    public record Usage(int llmCalls, long promptTokens, long completionTokens) {

        public static final Usage NONE = new Usage(0, 0, 0);

        public Usage plus(dev.lore.models.Usage usage) {
            return new Usage(llmCalls + 1, promptTokens + usage.promptTokens(),
                    completionTokens + usage.completionTokens());
        }
    }

    public Answer {
        citations = List.copyOf(citations);
        unsupported = unsupported == null ? List.of() : List.copyOf(unsupported);
        retrievals = List.copyOf(retrievals);
        timingsMs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(timingsMs));
    }
}
