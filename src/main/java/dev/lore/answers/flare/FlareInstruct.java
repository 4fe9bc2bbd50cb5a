package dev.lore.answers.flare;

import java.util.List;
import java.util.regex.Pattern;

import dev.lore.answers.RetrievalStep;
import dev.lore.models.Completion;
import dev.lore.models.FinishReason;
import dev.lore.models.GenerationOptions;
import dev.lore.models.GenerationRequest;
import dev.lore.retrieval.SearchHit;

/**
 * FLARE-instruct for generators without logprobs: the prompt asks the model to write {@code [Search(query)]} where it
 * needs to know more; generation stops there ({@code )]} is a stop string), Lore retrieves for the query, swaps in
 * the results and lets the model continue. After {@code maxRetrievals} the plain answer prompt finishes the answer.
 */
public final class FlareInstruct {

    static final String OPEN = "[Search(";
    private static final Pattern LEFTOVER = Pattern.compile("\\s*\\[Search\\([^)\\]]*\\)?]?");

    private final FlareWorkspace workspace;
    private final FlareSettings settings;
    private final int budget;
    private int retrievals;

    public FlareInstruct(FlareWorkspace workspace, FlareSettings settings, int budget) {
        this.workspace = workspace;
        this.settings = settings;
        this.budget = budget;
    }

    public String run() {
        StringBuilder answer = new StringBuilder();
        int used = 0;
        while (!workspace.cancelled() && used < budget) {
            boolean instruct = retrievals < settings.maxRetrievals();
            GenerationOptions options = GenerationOptions.DEFAULTS.withTemperature(0.0).withMaxTokens(budget - used)
                    .withStop(instruct ? List.of(")]") : List.of());
            var generation = workspace.generate(new GenerationRequest(workspace.messages(answer.toString(),
                    instruct), options));
            Completion completion = generation.first();
            used += (int) Math.max(1, generation.usage().completionTokens());
            String text = completion.text();
            int open = text.indexOf(OPEN);
            if (instruct && open >= 0) {
                String before = text.substring(0, open);
                String query = text.substring(open + OPEN.length()).replace(")]", "").replace(")", "").strip();
                append(answer, before);
                if (!query.isEmpty()) {
                    retrievals++;
                    List<SearchHit> hits = workspace.search(query, settings.documents());
                    workspace.replaceRetrieved(hits);
                    workspace.record(new RetrievalStep(query, "instruct", FlareDirect.ids(hits), List.of()));
                }
                continue;
            }
            append(answer, text);
            if (completion.finishReason() != FinishReason.LENGTH || text.isBlank()) {
                break;
            }
        }
        return LEFTOVER.matcher(answer).replaceAll("").strip();
    }

    public int retrievals() {
        return retrievals;
    }

    private void append(StringBuilder answer, String text) {
        String clean = LEFTOVER.matcher(text).replaceAll("");
        if (!answer.isEmpty() && Character.isWhitespace(answer.charAt(answer.length() - 1))) {
            clean = clean.stripLeading();
        }
        clean = Joining.next(answer, clean);
        if (!clean.isEmpty()) {
            answer.append(clean);
            workspace.emit(clean);
        }
    }
}
