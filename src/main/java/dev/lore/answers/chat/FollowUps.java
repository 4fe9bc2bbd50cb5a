package dev.lore.answers.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.stereotype.Component;

import dev.lore.answers.Answer;
import dev.lore.answers.AnswerListener;
import dev.lore.answers.AnswerRequest;
import dev.lore.answers.Answerer;
import dev.lore.answers.Conversation;
import dev.lore.models.Cancellation;
import dev.lore.models.ChatMessage;
import dev.lore.models.Embedder;
import dev.lore.models.Generation;
import dev.lore.models.GenerationOptions;
import dev.lore.models.GenerationRequest;
import dev.lore.models.Generator;
import dev.lore.models.Generators;
import dev.lore.prompts.Prompt;
import dev.lore.prompts.Prompts;

/**
 * Answers the last turn of a conversation: the turn and the recent ones become one standalone retrieval query (one
 * short model call; without a generator, the earlier user turns are prepended), and the answer prompt carries the
 * latest turns that fit {@code lore.chat.history-tokens}; older turns reach neither, so a conversation of any length
 * makes prompts of bounded size.
 */
@Component
public class FollowUps {

    private final Answerer answerer;
    private final Generators generators;
    private final Embedder embedder;
    private final ChatProperties properties;
    private final Prompt followUpPrompt;

    FollowUps(Answerer answerer, Generators generators, Embedder embedder, ChatProperties properties,
            Prompts prompts) {
        this.answerer = answerer;
        this.generators = generators;
        this.embedder = embedder;
        this.properties = properties;
        this.followUpPrompt = prompts.require("chat-followup", "conversation", "message");
    }

    /** Answers {@code request}'s question after the {@code earlier} turns (user and assistant, oldest first). */
    public Answer answer(AnswerRequest request, List<ChatMessage> earlier, AnswerListener listener,
            Cancellation cancellation) {
        // turns past the history budget reach neither the rewrite nor the answer prompt, however large they are
        List<ChatMessage> kept = history(earlier);
        if (kept.isEmpty()) {
            return answerer.answer(request, listener, cancellation);
        }
        Answer.Usage followUpUsage = Answer.Usage.NONE;
        Optional<Generator> generator = request.extractive() ? Optional.empty() : generators.generator();
        String query = null;
        if (generator.isPresent()) {
            Generation written = generator.get().generate(new GenerationRequest(List.of(ChatMessage.user(
                    followUpPrompt.render(Map.of("conversation", transcript(kept), "message",
                            request.question())))), GenerationOptions.DEFAULTS.withTemperature(0.0)
                    .withMaxTokens(properties.followUpTokens())));
            followUpUsage = followUpUsage.plus(written.usage());
            query = standalone(written.text());
        }
        if (query == null) {
            query = prependUserTurns(kept, request.question());
        }
        Answer answer = answerer.answer(request, new Conversation(query, kept), listener, cancellation);
        return followUpUsage.llmCalls() == 0 ? answer : withUsage(answer, followUpUsage);
    }

    private List<ChatMessage> recent(List<ChatMessage> earlier) {
        return earlier.subList(Math.max(0, earlier.size() - properties.followUpTurns()), earlier.size());
    }

    private String transcript(List<ChatMessage> earlier) {
        StringBuilder text = new StringBuilder();
        for (ChatMessage message : recent(earlier)) {
            text.append(message.role() == ChatMessage.Role.USER ? "User: " : "Assistant: ").append(message.content())
                    .append('\n');
        }
        return text.toString().strip();
    }

    /** The model's query, unquoted and on one line; null when it wrote none. */
    private static String standalone(String text) {
        String query = text == null ? "" : text.strip().lines().findFirst().orElse("").strip();
        query = query.replaceAll("^(?i)(standalone )?(search )?query:\\s*", "").replaceAll("^[\"']|[\"']$", "")
                .strip();
        return query.isEmpty() ? null : query;
    }

    private String prependUserTurns(List<ChatMessage> earlier, String question) {
        List<String> parts = new ArrayList<>();
        recent(earlier).stream().filter(message -> message.role() == ChatMessage.Role.USER)
                .forEach(message -> parts.add(message.content()));
        parts.add(question);
        return String.join(" ", parts);
    }

    /** The latest turns that fit {@code lore.chat.history-tokens}, oldest first; an older turn never skips ahead. */
    private List<ChatMessage> history(List<ChatMessage> earlier) {
        List<ChatMessage> kept = new ArrayList<>();
        int budget = properties.historyTokens();
        for (int i = earlier.size() - 1; i >= 0; i--) {
            ChatMessage message = earlier.get(i);
            int tokens = embedder.tokenStarts(message.content()).length;
            if (tokens > budget) {
                break;
            }
            budget -= tokens;
            kept.add(0, message);
        }
        // a conversation shown to the model starts with the user's turn
        while (!kept.isEmpty() && kept.get(0).role() != ChatMessage.Role.USER) {
            kept.remove(0);
        }
        return kept;
    }

    private static Answer withUsage(Answer answer, Answer.Usage more) {
        Answer.Usage usage = answer.usage();
        return new Answer(answer.answer(), answer.grounded(), answer.refusedFor(), answer.generator(),
                answer.strategy(), answer.flare(), answer.extractive(), answer.citations(), answer.unsupported(),
                answer.droppedMarkers(), answer.support(),
                answer.retrievals(), new Answer.Usage(usage.llmCalls() + more.llmCalls(),
                        usage.promptTokens() + more.promptTokens(),
                        usage.completionTokens() + more.completionTokens()), answer.timingsMs());
    }
}
