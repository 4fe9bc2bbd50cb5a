package dev.lore.answers;


import org.springframework.stereotype.Component;

import dev.lore.answers.flare.FlareOverrides;
import dev.lore.retrieval.RerankMode;
import dev.lore.retrieval.SearchFilter;
import dev.lore.web.LoreException;

/** Reads an answer request's JSON body into a checked {@link AnswerRequest}, defaults filled from settings. */
@Component
public class AnswerRequests {

    private final AnswersProperties properties;

    AnswerRequests(AnswersProperties properties) {
        this.properties = properties;
    }

    /** The body of {@code POST /api/v1/answer}; {@code minSupport} overrides the refusal threshold. */
    public record AnswerBody(String collection, String question, String strategy, Integer topK, String rerank,
            SearchFilter filter, String generator, FlareOverrides flare, Double minSupport) {
    }

    public AnswerRequest read(AnswerBody body) {
        boolean extractive = false;
        if (body.generator() != null) {
            if (!body.generator().strip().equalsIgnoreCase("none")) {
                throw LoreException.invalid("generator may only be \"none\" (an extractive answer quoted from the "
                        + "documents); leave it out to use the configured generator");
            }
            extractive = true;
        }
        int topK = body.topK() == null ? properties.topK() : body.topK();
        return new AnswerRequest(body.collection(), body.question(), Strategy.parse(body.strategy()), topK,
                RerankMode.parse(body.rerank()), SearchFilter.orNone(body.filter()), extractive,
                body.flare() == null ? properties.flare().settings() : body.flare().over(properties.flare().settings()),
                body.minSupport());
    }
}
