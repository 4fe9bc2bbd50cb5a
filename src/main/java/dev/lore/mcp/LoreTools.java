package dev.lore.mcp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.ai.mcp.annotation.McpTool;
import org.springframework.ai.mcp.annotation.McpToolParam;
import org.springframework.stereotype.Component;

import io.modelcontextprotocol.spec.McpSchema.CallToolResult;

import dev.lore.agents.AgentMemories;
import dev.lore.answers.Answer;
import dev.lore.answers.AnswerListener;
import dev.lore.answers.AnswerRequests;
import dev.lore.answers.Answerer;
import dev.lore.answers.Citation;
import dev.lore.documents.Collections;
import dev.lore.documents.Documents;
import dev.lore.models.Cancellation;
import dev.lore.retrieval.RetrievalProperties;
import dev.lore.retrieval.Retriever;
import dev.lore.retrieval.SearchFilter;
import dev.lore.retrieval.SearchHit;
import dev.lore.retrieval.SearchMode;
import dev.lore.retrieval.SearchRequest;
import dev.lore.retrieval.SearchResult;
import dev.lore.web.DatabaseOutage;
import dev.lore.web.LoreException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The MCP tools: each calls the service behind the matching REST endpoint as the calling key, so a key reaches
 * through MCP exactly what it reaches over REST. A tool answers text for the model to read and the same data as
 * structured content; a refusal (unknown collection, bad argument) is a tool error whose text says what to change.
 */
@Component
class LoreTools {

    static final String SEARCH = "search";
    static final String ANSWER = "answer";
    static final String LIST_COLLECTIONS = "list_collections";
    static final String GET_DOCUMENT = "get_document";
    static final String RECALL_MEMORIES = "recall_memories";
    static final String ADD_MEMORY = "add_memory";

    /** The tools that need the {@code agents} permission; other keys are not shown them. */
    static final List<String> AGENT_TOOLS = List.of(RECALL_MEMORIES, ADD_MEMORY);

    /** A document's text is cut here: more would crowd out the rest of an assistant's context. */
    static final int MAX_DOCUMENT_CHARS = 40_000;

    private static final Logger log = LoggerFactory.getLogger(LoreTools.class);

    private final Retriever retriever;
    private final RetrievalProperties retrieval;
    private final Answerer answerer;
    private final AnswerRequests answerRequests;
    private final Collections collections;
    private final Documents documents;
    private final AgentMemories memories;
    private final JsonMapper json;

    LoreTools(Retriever retriever, RetrievalProperties retrieval, Answerer answerer, AnswerRequests answerRequests,
            Collections collections, Documents documents, AgentMemories memories, JsonMapper json) {
        this.retriever = retriever;
        this.retrieval = retrieval;
        this.answerer = answerer;
        this.answerRequests = answerRequests;
        this.collections = collections;
        this.documents = documents;
        this.memories = memories;
        this.json = json;
    }

    @McpTool(name = LIST_COLLECTIONS, title = "List document collections", description = """
            Lists the document collections this key may search, with a description and how many documents each \
            holds. Call it first when you do not know which collection holds the company documents a question is \
            about; the other tools take a collection name from this list.""",
            annotations = @McpTool.McpAnnotations(readOnlyHint = true, openWorldHint = false))
    CallToolResult listCollections() {
        return respond(() -> {
            List<Map<String, Object>> listed = new ArrayList<>();
            StringBuilder text = new StringBuilder();
            for (Collections.Summary collection : collections.list()) {
                listed.add(ordered("name", collection.name(), "description", collection.description(),
                        "documents", collection.documents(), "chunks", collection.chunks()));
                text.append("- ").append(collection.name())
                        .append(collection.description().isBlank() ? "" : ": " + collection.description())
                        .append(" (").append(collection.documents()).append(" documents)\n");
            }
            if (listed.isEmpty()) {
                text.append("This key may not read any collection.");
            }
            return result(text.toString().strip(), Map.of("collections", listed));
        });
    }

    @McpTool(name = SEARCH, title = "Search a collection", description = """
            Finds the passages of a collection's documents that best match a query (keyword and meaning combined by \
            default) and returns them ranked, each with its source, document id and text. Use it to look things \
            up in company documents, to gather evidence, or to find which document to read in full with \
            get_document. Prefer the answer tool when you want a written answer with citations instead of \
            passages.""",
            annotations = @McpTool.McpAnnotations(readOnlyHint = true, openWorldHint = false))
    CallToolResult search(
            @McpToolParam(description = "The collection to search, as list_collections names it") String collection,
            @McpToolParam(description = "What to look for: a question or keywords") String query,
            @McpToolParam(required = false, description = "How many passages to return, 1 to 100 (default 10)")
            Integer topK,
            @McpToolParam(required = false, description = "hybrid (default: keywords and meaning), dense "
                    + "(meaning only) or lexical (keywords only)") String mode,
            @McpToolParam(required = false, description = "Narrows the search: {\"source\": \"file.md\" or a list}, "
                    + "{\"documentId\": id or a list}, {\"metadata\": {\"field\": value}}")
            Map<String, Object> filter) {
        return respond(() -> {
            int k = topK == null ? retrieval.topK() : topK;
            SearchResult found = retriever.search(new SearchRequest(collection, query, k, SearchMode.parse(mode),
                    filter(filter), Math.max(retrieval.candidates(), k), false));
            List<Map<String, Object>> results = new ArrayList<>();
            StringBuilder text = new StringBuilder();
            int rank = 0;
            for (SearchHit hit : found.results()) {
                rank++;
                results.add(ordered("rank", rank, "chunkId", hit.chunkId(), "documentId", hit.documentId(),
                        "source", hit.source(), "title", hit.title(), "headingPath", hit.headingPath(), "score",
                        hit.score(), "text", hit.text()));
                text.append('[').append(rank).append("] ").append(hit.source())
                        .append(hit.headingPath() == null || hit.headingPath().isBlank() ? ""
                                : " > " + hit.headingPath())
                        .append(" (document ").append(hit.documentId()).append(")\n")
                        .append(hit.text().strip()).append("\n\n");
            }
            if (results.isEmpty()) {
                text.append("No passage of '").append(collection).append("' matches this query.");
            }
            return result(text.toString().strip(), Map.of("results", results));
        });
    }

    @McpTool(name = ANSWER, title = "Answer from a collection, with citations", description = """
            Answers a question from a collection's documents and cites them: the text holds [n] markers and a \
            numbered list of the sources with the sentence each one supports; the structured content carries the \
            same citations with document ids. When the documents do not cover the question the answer says so \
            (grounded is false) rather than guessing. Use it for questions about company policies, products or \
            procedures; quote its citations when you relay the answer.""",
            annotations = @McpTool.McpAnnotations(readOnlyHint = true, openWorldHint = false))
    CallToolResult answer(
            @McpToolParam(description = "The collection to answer from, as list_collections names it")
            String collection,
            @McpToolParam(description = "The question, in full sentences") String question,
            @McpToolParam(required = false, description = "single (default: one retrieval), hyde (retrieves with a "
                    + "hypothetical answer, for vague questions) or flare (retrieves again while it writes, for long "
                    + "answers)") String strategy) {
        return respond(() -> {
            Answer answer = answerer.answer(answerRequests.read(new AnswerRequests.AnswerBody(collection, question,
                    strategy, null, null, null, null, null, null)), AnswerListener.NONE, Cancellation.none());
            StringBuilder text = new StringBuilder(answer.answer().strip());
            if (!answer.citations().isEmpty()) {
                text.append("\n\nSources:");
                for (Citation citation : answer.citations()) {
                    text.append("\n[").append(citation.n()).append("] ").append(citation.source())
                            .append(" (document ").append(citation.documentId()).append("): \"")
                            .append(citation.quote()).append('"');
                }
            }
            List<Map<String, Object>> citations = answer.citations().stream()
                    .map(c -> ordered("n", c.n(), "source", c.source(), "title", c.title(), "quote", c.quote(),
                            "documentId", c.documentId(), "chunkId", c.chunkId()))
                    .toList();
            return result(text.toString(), ordered("answer", answer.answer(), "grounded", answer.grounded(),
                    "generator", answer.generator(), "citations", citations));
        });
    }

    @McpTool(name = GET_DOCUMENT, title = "Read a document", description = """
            Returns the full text of one document of a collection, section by section, with its source, title and \
            metadata (long documents are cut after 40,000 characters and say so). Use it after search or answer \
            named a document id, when the passages are not enough and you need the surrounding text.""",
            annotations = @McpTool.McpAnnotations(readOnlyHint = true, openWorldHint = false))
    CallToolResult getDocument(
            @McpToolParam(description = "The collection that holds the document") String collection,
            @McpToolParam(description = "The document's id, as search and answer give it") String documentId) {
        return respond(() -> {
            Documents.DocumentText document = documents.read(collection, uuid("documentId", documentId),
                    MAX_DOCUMENT_CHARS);
            StringBuilder text = new StringBuilder("# ").append(document.title()).append(" (")
                    .append(document.source()).append(")\n");
            for (Documents.DocumentText.Section section : document.sections()) {
                text.append('\n');
                if (!section.headingPath().isBlank()) {
                    text.append("## ").append(section.headingPath()).append("\n\n");
                }
                text.append(section.text().strip()).append('\n');
            }
            if (document.truncated()) {
                text.append("\n[cut after ").append(MAX_DOCUMENT_CHARS).append(" characters]");
            }
            return result(text.toString().strip(), json.convertValue(document, MAP));
        });
    }

    @McpTool(name = RECALL_MEMORIES, title = "Recall an agent's memories", description = """
            Recalls the memories of a generative agent (a simulated person in a Lore simulation) that matter most \
            for a query, ranked by recency, importance and relevance as in Park et al.'s generative agents; the \
            recalled memories count as accessed now. Use it to learn what an agent knows or remembers before \
            acting as or talking to it.""",
            annotations = @McpTool.McpAnnotations(readOnlyHint = false, destructiveHint = false,
                    openWorldHint = false))
    CallToolResult recallMemories(
            @McpToolParam(description = "The agent's id") String agentId,
            @McpToolParam(required = false, description = "What the memories should be about; leave it out for the "
                    + "most recent and important ones") String query,
            @McpToolParam(required = false, description = "How many memories, 1 to 100 (default 10)") Integer k) {
        return respond(() -> {
            List<AgentMemories.Recalled> recalled = memories.recall(agentId, query, k == null ? 10 : k);
            StringBuilder text = new StringBuilder();
            for (AgentMemories.Recalled memory : recalled) {
                text.append("- [").append(memory.kind()).append(", ").append(memory.at())
                        .append(", importance ").append(Math.round(memory.importance())).append("] ")
                        .append(memory.text()).append('\n');
            }
            if (recalled.isEmpty()) {
                text.append("The agent has no memories yet.");
            }
            return result(text.toString().strip(), Map.of("memories", json.convertValue(recalled, LIST)));
        });
    }

    @McpTool(name = ADD_MEMORY, title = "Add a memory to an agent", description = """
            Stores a new memory in a generative agent's memory stream at its simulation's current time: something \
            it observed, a plan, or a conversation. Its importance (1-10) is rated by the model unless you give \
            it; enough important new memories make the agent reflect. Use it to tell an agent what happened.""",
            annotations = @McpTool.McpAnnotations(readOnlyHint = false, destructiveHint = false,
                    idempotentHint = false, openWorldHint = false))
    CallToolResult addMemory(
            @McpToolParam(description = "The agent's id") String agentId,
            @McpToolParam(description = "The memory, as one or a few sentences") String text,
            @McpToolParam(required = false, description = "observation (default), plan, reflection or chat")
            String kind,
            @McpToolParam(required = false, description = "How important it is to the agent, 1 (mundane) to 10 "
                    + "(life-changing); leave it out to let the model rate it") Double importance) {
        return respond(() -> {
            AgentMemories.Remembered stored = memories.remember(agentId, text, kind, importance);
            String said = "Stored " + stored.kind() + " " + stored.id() + " at " + stored.at() + " with importance "
                    + stored.importance() + (stored.reflections().isEmpty() ? ""
                            : "; the agent reflected: " + String.join(" ", stored.reflections()));
            return result(said, json.convertValue(stored, MAP));
        });
    }

    private static final tools.jackson.core.type.TypeReference<Map<String, Object>> MAP = new tools.jackson.core.type.TypeReference<>() {
    };

    private static final tools.jackson.core.type.TypeReference<List<Object>> LIST = new tools.jackson.core.type.TypeReference<>() {
    };

    private SearchFilter filter(Map<String, Object> filter) {
        if (filter == null || filter.isEmpty()) {
            return SearchFilter.NONE;
        }
        try {
            return json.convertValue(filter, SearchFilter.class);
        }
        catch (JacksonException e) {
            throw LoreException.invalid("filter may hold source, documentId and metadata: "
                    + e.getOriginalMessage());
        }
    }

    private static UUID uuid(String field, String value) {
        try {
            return UUID.fromString(value == null ? "" : value.strip());
        }
        catch (IllegalArgumentException e) {
            throw LoreException.invalid(field + " must be a document id (a UUID) as search or answer give it, was '"
                    + value + "'");
        }
    }

    /**
     * Runs a tool: Lore's refusals become tool errors the model can read and act on (MCP's "isError" results, not
     * protocol errors, which clients hide from the model); anything unexpected is logged and reported without its
     * internals.
     */
    private static CallToolResult respond(Supplier<CallToolResult> tool) {
        try {
            return tool.get();
        }
        catch (LoreException e) {
            return error(e.title() + ": " + e.getMessage());
        }
        catch (RuntimeException e) {
            if (DatabaseOutage.causedBy(e)) {
                return error("Lore cannot reach its database right now; try again shortly.");
            }
            String id = UUID.randomUUID().toString();
            log.error("Unexpected failure {} of an MCP tool call", id, e);
            return error("An unexpected error occurred; it has been logged as " + id + ".");
        }
    }

    private static CallToolResult error(String message) {
        return CallToolResult.builder().isError(true).addTextContent(message).build();
    }

    private static CallToolResult result(String text, Map<String, Object> structured) {
        return CallToolResult.builder().addTextContent(text).structuredContent(structured).build();
    }

    /** A map that keeps its keys in the given order (and, unlike {@code Map.of}, takes null values). */
    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
