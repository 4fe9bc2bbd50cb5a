package dev.lore.answers.chat;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.springframework.stereotype.Service;

import com.fasterxml.jackson.annotation.JsonUnwrapped;

import dev.lore.answers.Answer;
import dev.lore.answers.AnswerListener;
import dev.lore.answers.AnswerRequest;
import dev.lore.answers.AnswerRequests;
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
import dev.lore.security.CurrentCaller;
import dev.lore.web.LoreException;

/**
 * A chat turn: checks it, turns a follow-up into a standalone retrieval query, answers with the earlier turns in the
 * prompt, and stores the question with its answer only once the answer is complete.
 */
@Service
class Chats {

    private static final int TITLE_LENGTH = 80;

    /** The body of {@code POST /api/v1/chat}. */
    record ChatBody(UUID sessionId, String collection, String message, String strategy, Integer topK, String rerank,
            Map<String, Object> filter, String generator, Map<String, Object> flare) {
    }

    /** An answer with the session and the message that hold it. */
    record ChatAnswer(UUID sessionId, UUID messageId, @JsonUnwrapped Answer answer) {
    }

    /** A checked turn, ready to answer; nothing is stored yet. */
    record Turn(String keyId, UUID sessionId, boolean created, AnswerRequest request,
            List<ChatSessions.Message> earlier) {
    }

    private final ChatSessions sessions;
    private final Answerer answerer;
    private final AnswerRequests requests;
    private final Generators generators;
    private final Embedder embedder;
    private final CurrentCaller caller;
    private final ChatProperties properties;
    private final Prompt followUpPrompt;
    private final Clock clock;

    Chats(ChatSessions sessions, Answerer answerer, AnswerRequests requests, Generators generators, Embedder embedder,
            CurrentCaller caller, ChatProperties properties, Prompts prompts, Clock clock) {
        this.sessions = sessions;
        this.answerer = answerer;
        this.requests = requests;
        this.generators = generators;
        this.embedder = embedder;
        this.caller = caller;
        this.properties = properties;
        this.followUpPrompt = prompts.require("chat-followup", "conversation", "message");
        this.clock = clock;
    }

    /** Checks a turn before anything is retrieved, generated or stored: a bad one fails here with its 4xx. */
    Turn prepare(ChatBody body) {
        String keyId = caller.get().keyId();
        String collection = body.collection();
        List<ChatSessions.Message> earlier = List.of();
        if (body.sessionId() != null) {
            ChatSessions.Session session = sessions.find(keyId, body.sessionId())
                    .orElseThrow(() -> ChatSessions.notFound(body.sessionId()));
            if (collection != null && !collection.equals(session.collection())) {
                throw LoreException.invalid("Chat session " + session.sessionId() + " is over collection '"
                        + session.collection() + "', not '" + collection + "'");
            }
            collection = session.collection();
            earlier = sessions.messages(session.sessionId());
        }
        if (body.message() == null || body.message().isBlank()) {
            throw LoreException.invalid("message must not be empty or whitespace");
        }
        AnswerRequest request = requests.read(new AnswerRequests.AnswerBody(collection, body.message(),
                body.strategy(), body.topK(), body.rerank(), body.filter(), body.generator(), body.flare(), null));
        answerer.check(request);
        boolean created = body.sessionId() == null;
        return new Turn(keyId, created ? UUID.randomUUID() : body.sessionId(), created, request, earlier);
    }

    /** Answers a checked turn and stores it when complete; a cancelled turn is neither stored nor returned. */
    Optional<ChatAnswer> answer(Turn turn, AnswerListener listener, Cancellation cancellation) {
        AnswerRequest request = turn.request();
        Answer.Usage followUpUsage = Answer.Usage.NONE;
        Conversation conversation = Conversation.NONE;
        if (!turn.earlier().isEmpty()) {
            Optional<Generator> generator = request.extractive() ? Optional.empty() : generators.generator();
            String query = null;
            if (generator.isPresent()) {
                Generation written = generator.get().generate(new GenerationRequest(List.of(ChatMessage.user(
                        followUpPrompt.render(Map.of("conversation", transcript(turn.earlier()), "message",
                                request.question())))), GenerationOptions.DEFAULTS.withTemperature(0.0)
                        .withMaxTokens(properties.followUpTokens())));
                followUpUsage = followUpUsage.plus(written.usage());
                query = standalone(written.text());
            }
            if (query == null) {
                query = prependUserTurns(turn.earlier(), request.question());
            }
            conversation = new Conversation(query, history(turn.earlier()));
        }
        Answer answer = answerer.answer(request, conversation, listener, cancellation);
        if (cancellation.isCancelled()) {
            return Optional.empty();
        }
        if (followUpUsage.llmCalls() > 0) {
            answer = withUsage(answer, followUpUsage);
        }
        UUID messageId = UUID.randomUUID();
        sessions.append(turn.keyId(), turn.sessionId(), turn.created(), request.collection(), title(request.question()),
                clock.instant(), UUID.randomUUID(), request.question(), messageId, answer.answer(),
                answer.citations(), answer.retrievals());
        return Optional.of(new ChatAnswer(turn.sessionId(), messageId, answer));
    }

    private List<ChatSessions.Message> recent(List<ChatSessions.Message> earlier) {
        return earlier.subList(Math.max(0, earlier.size() - properties.followUpTurns()), earlier.size());
    }

    private String transcript(List<ChatSessions.Message> earlier) {
        StringBuilder text = new StringBuilder();
        for (ChatSessions.Message message : recent(earlier)) {
            text.append("user".equals(message.role()) ? "User: " : "Assistant: ").append(message.content())
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

    private String prependUserTurns(List<ChatSessions.Message> earlier, String question) {
        List<String> parts = new ArrayList<>();
        recent(earlier).stream().filter(message -> "user".equals(message.role()))
                .forEach(message -> parts.add(message.content()));
        parts.add(question);
        return String.join(" ", parts);
    }

    /** The latest turns that fit {@code lore.chat.history-tokens}, oldest first; an older turn never skips ahead. */
    private List<ChatMessage> history(List<ChatSessions.Message> earlier) {
        List<ChatMessage> kept = new ArrayList<>();
        int budget = properties.historyTokens();
        for (int i = earlier.size() - 1; i >= 0; i--) {
            ChatSessions.Message message = earlier.get(i);
            int tokens = embedder.tokenStarts(message.content()).length;
            if (tokens > budget) {
                break;
            }
            budget -= tokens;
            kept.add(0, "user".equals(message.role()) ? ChatMessage.user(message.content())
                    : ChatMessage.assistant(message.content()));
        }
        // a conversation shown to the model starts with the user's turn
        while (!kept.isEmpty() && kept.get(0).role() != ChatMessage.Role.USER) {
            kept.remove(0);
        }
        return kept;
    }

    private static String title(String question) {
        String line = question.strip().replaceAll("\\s+", " ");
        return line.length() <= TITLE_LENGTH ? line : line.substring(0, TITLE_LENGTH - 1) + "…";
    }

    private static Answer withUsage(Answer answer, Answer.Usage more) {
        Answer.Usage usage = answer.usage();
        return new Answer(answer.answer(), answer.grounded(), answer.generator(), answer.strategy(), answer.flare(),
                answer.extractive(), answer.citations(), answer.droppedMarkers(), answer.support(),
                answer.retrievals(), new Answer.Usage(usage.llmCalls() + more.llmCalls(),
                        usage.promptTokens() + more.promptTokens(),
                        usage.completionTokens() + more.completionTokens()), answer.timingsMs());
    }
}
