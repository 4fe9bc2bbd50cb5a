package dev.lore.answers.chat;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.stereotype.Service;

import com.fasterxml.jackson.annotation.JsonUnwrapped;

import dev.lore.answers.flare.FlareOverrides;
import dev.lore.retrieval.SearchFilter;
import dev.lore.answers.Answer;
import dev.lore.answers.AnswerListener;
import dev.lore.answers.AnswerRequest;
import dev.lore.answers.AnswerRequests;
import dev.lore.answers.Answerer;
import dev.lore.models.Cancellation;
import dev.lore.models.ChatMessage;
import dev.lore.web.LoreException;

/**
 * A chat turn: checks it before anything is spent, answers it as a follow-up of the session's earlier turns, and
 * stores the question with its answer only once the answer is complete.
 */
@Service
class Chats {

    private static final int TITLE_LENGTH = 80;

    /** The body of {@code POST /api/v1/chat}. */
    record ChatBody(UUID sessionId, String collection, String message, String strategy, Integer topK, String rerank,
            SearchFilter filter, String generator, FlareOverrides flare) {
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
    private final FollowUps followUps;
    private final Clock clock;
    private final ChatProperties properties;

    Chats(ChatSessions sessions, Answerer answerer, AnswerRequests requests, FollowUps followUps,
            Clock clock, ChatProperties properties) {
        this.properties = properties;
        this.sessions = sessions;
        this.answerer = answerer;
        this.requests = requests;
        this.followUps = followUps;
        this.clock = clock;
    }

    /**
     * Checks a turn before anything is retrieved, generated or stored: a bad one fails here with its 4xx. Sessions
     * belong to {@code keyId}, the caller's key, which the controller passes in.
     */
    Turn prepare(ChatBody body, String keyId) {
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
            // at most the turns a follow-up could show the model (each at least a token), not the whole session
            earlier = sessions.messages(session.sessionId(), properties.historyTokens() + properties.followUpTurns());
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
        List<ChatMessage> earlier = turn.earlier().stream().map(message -> "user".equals(message.role())
                ? ChatMessage.user(message.content()) : ChatMessage.assistant(message.content())).toList();
        Answer answer = followUps.answer(request, earlier, listener, cancellation);
        if (cancellation.isCancelled()) {
            return Optional.empty();
        }
        UUID messageId = UUID.randomUUID();
        sessions.append(turn.keyId(), turn.sessionId(), turn.created(), request.collection(), title(request.question()),
                clock.instant(), UUID.randomUUID(), request.question(), messageId, answer.answer(),
                answer.citations(), answer.retrievals());
        return Optional.of(new ChatAnswer(turn.sessionId(), messageId, answer));
    }

    private static String title(String question) {
        String line = question.strip().replaceAll("\\s+", " ");
        return line.length() <= TITLE_LENGTH ? line : line.substring(0, TITLE_LENGTH - 1) + "…";
    }
}
