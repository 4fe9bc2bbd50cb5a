package dev.lore.answers.flare;

import java.util.List;

import dev.lore.answers.RetrievalStep;
import dev.lore.models.ChatMessage;
import dev.lore.models.Generation;
import dev.lore.models.GenerationRequest;
import dev.lore.retrieval.SearchHit;

/** What FLARE needs from the answer it writes: prompts over the current sources, search, and bookkeeping. */
public interface FlareWorkspace {

    /**
     * The conversation for the next step: the answer prompt ({@code instruct}: FLARE-instruct's) over the pinned and
     * the currently retrieved sources, continuing {@code answerSoFar} as the assistant's turn when it is not empty.
     */
    List<ChatMessage> messages(String answerSoFar, boolean instruct);

    /** One model call, counted in the answer's usage. */
    Generation generate(GenerationRequest request);

    /** The top {@code documents} chunks for {@code query} in the answer's collection and filter. */
    List<SearchHit> search(String query, int documents);

    /** Makes {@code hits} the retrieved sources, replacing the previous retrieval's (the pinned ones stay). */
    void replaceRetrieved(List<SearchHit> hits);

    /** Records a retrieval in the answer and tells a streaming client. */
    void record(RetrievalStep step);

    /** Hands accepted answer text to a streaming client. */
    void emit(String text);

    boolean cancelled();
}
