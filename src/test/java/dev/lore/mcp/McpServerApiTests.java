package dev.lore.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.McpHttpClientTransportAuthorizationException;
import io.modelcontextprotocol.spec.McpSchema;

import dev.lore.agents.AgentsFixture;
import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;

/**
 * The MCP server at {@code /mcp} driven by the MCP Java SDK's own Streamable HTTP client: tools listed per key,
 * search, cited answers, documents and agents' memories, and the same refusals as the REST API.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class McpServerApiTests extends IntegrationTest {

    private static final String COLLECTION = "mcp-handbook";
    private static final String HIDDEN = "mcp-hidden";

    private String readerKey;
    private String agentsKey;
    private String leaveDocument;

    @BeforeAll
    void setUp() {
        admin().post("/api/v1/collections", Map.of("name", COLLECTION, "description", "The staff handbook"));
        admin().post("/api/v1/collections", Map.of("name", HIDDEN));
        assertThat(admin().ingest(COLLECTION,
                Part.file("leave.md", "# Leave\n\nStaff earn 13 days of annual leave a year.\n\n## Carry-over\n\n"
                        + "Up to five unused days carry over into the next year.\n"),
                Part.file("laptops.md", "# Laptops\n\nNew hires receive a laptop from the IT desk on day one.\n"))
                .path("status").asString()).isEqualTo("DONE");
        assertThat(admin().ingest(HIDDEN, Part.file("salaries.md", "# Salaries\n\nThe director earns a secret "
                + "amount of annual leave money.\n")).path("status").asString()).isEqualTo("DONE");
        readerKey = mint("mcp-reader", List.of(COLLECTION), List.of("read"));
        agentsKey = mint("mcp-agents", List.of(COLLECTION), List.of("agents"));
        leaveDocument = admin().get("/api/v1/collections/" + COLLECTION + "/documents").body().valueStream()
                .filter(d -> d.path("source").asString().equals("leave.md")).findFirst().orElseThrow()
                .path("id").asString();
    }

    @Test
    @SuppressWarnings("unchecked")
    void aKeyListsTheToolsItMayUse() {
        try (McpSyncClient reader = client(readerKey); McpSyncClient agents = client(agentsKey)) {
            List<McpSchema.Tool> tools = reader.listTools().tools();
            assertThat(tools).extracting(McpSchema.Tool::name)
                    .containsExactlyInAnyOrder("search", "answer", "list_collections", "get_document");
            McpSchema.Tool search = tools.stream().filter(t -> t.name().equals("search")).findFirst().orElseThrow();
            assertThat(search.description()).contains("passages");
            assertThat((List<Object>) search.inputSchema().get("required")).containsExactlyInAnyOrder("collection",
                    "query");
            assertThat((Map<String, Object>) search.inputSchema().get("properties")).containsKeys("topK", "mode", "filter");
            assertThat(agents.listTools().tools()).extracting(McpSchema.Tool::name)
                    .contains("recall_memories", "add_memory");
        }
    }

    @Test
    void listCollectionsShowsOnlyTheKeysCollections() {
        try (McpSyncClient reader = client(readerKey)) {
            McpSchema.CallToolResult listed = reader.callTool(call("list_collections", Map.of()));
            assertThat(listed.isError()).isNotEqualTo(Boolean.TRUE);
            assertThat(text(listed)).contains(COLLECTION, "The staff handbook").doesNotContain(HIDDEN);
            assertThat(structured(listed).get("collections")).asList().hasSize(1);
        }
    }

    @Test
    void searchFindsPassagesOfTheCollection() {
        try (McpSyncClient reader = client(readerKey)) {
            McpSchema.CallToolResult found = reader.callTool(call("search", Map.of("collection", COLLECTION,
                    "query", "how many days of annual leave", "topK", 2)));
            assertThat(found.isError()).isNotEqualTo(Boolean.TRUE);
            assertThat(text(found)).startsWith("[1] leave.md").contains("13 days of annual leave");
            List<?> results = (List<?>) structured(found).get("results");
            assertThat(results).hasSizeBetween(1, 2);
            assertThat(((Map<?, ?>) results.get(0)).get("documentId")).isEqualTo(leaveDocument);

            McpSchema.CallToolResult filtered = reader.callTool(call("search", Map.of("collection", COLLECTION,
                    "query", "annual leave laptop", "filter", Map.of("source", "laptops.md"))));
            assertThat((List<?>) structured(filtered).get("results")).allSatisfy(
                    hit -> assertThat(((Map<?, ?>) hit).get("source")).isEqualTo("laptops.md"));
        }
    }

    @Test
    void answerCitesTheDocumentsInTextAndStructuredContent() {
        try (McpSyncClient reader = client(readerKey)) {
            McpSchema.CallToolResult answered = reader.callTool(call("answer", Map.of("collection", COLLECTION,
                    "question", "How many days of annual leave do staff earn?")));
            assertThat(answered.isError()).isNotEqualTo(Boolean.TRUE);
            assertThat(text(answered)).contains("13 days", "[1]", "Sources:", "[1] leave.md");
            Map<String, Object> answer = structured(answered);
            assertThat(answer.get("grounded")).isEqualTo(true);
            assertThat((List<?>) answer.get("citations")).first().satisfies(citation -> {
                assertThat(((Map<?, ?>) citation).get("n")).isEqualTo(1);
                assertThat(((Map<?, ?>) citation).get("source")).isEqualTo("leave.md");
                assertThat(((Map<?, ?>) citation).get("documentId")).isEqualTo(leaveDocument);
            });
        }
    }

    @Test
    void getDocumentReadsTheWholeDocumentBySection() {
        try (McpSyncClient reader = client(readerKey)) {
            McpSchema.CallToolResult read = reader.callTool(call("get_document", Map.of("collection", COLLECTION,
                    "documentId", leaveDocument)));
            assertThat(read.isError()).isNotEqualTo(Boolean.TRUE);
            assertThat(text(read)).startsWith("# ").contains("(leave.md)", "13 days of annual leave",
                    "Up to five unused days carry over");
            assertThat(structured(read).get("truncated")).isEqualTo(false);

            McpSchema.CallToolResult badId = reader.callTool(call("get_document", Map.of("collection", COLLECTION,
                    "documentId", "not-an-id")));
            assertThat(badId.isError()).isTrue();
            assertThat(text(badId)).contains("documentId must be a document id");
        }
    }

    @Test
    void anotherKeysCollectionIsRefusedAsIfItDidNotExist() {
        try (McpSyncClient reader = client(readerKey)) {
            McpSchema.CallToolResult hidden = reader.callTool(call("search", Map.of("collection", HIDDEN,
                    "query", "director salary")));
            McpSchema.CallToolResult absent = reader.callTool(call("search", Map.of("collection", "mcp-never",
                    "query", "director salary")));
            assertThat(hidden.isError()).isTrue();
            assertThat(text(hidden)).doesNotContain("secret").isEqualTo(text(absent).replace("mcp-never", HIDDEN));
            McpSchema.CallToolResult answer = reader.callTool(call("answer", Map.of("collection", HIDDEN,
                    "question", "What does the director earn?")));
            assertThat(answer.isError()).isTrue();
            assertThat(text(answer)).doesNotContain("secret");
            McpSchema.CallToolResult memories = reader.callTool(call("recall_memories",
                    Map.of("agentId", "00000000-0000-0000-0000-000000000000")));
            assertThat(memories.isError()).isTrue();
        }
    }

    @Test
    void withoutAKeyTheServerAnswers401() {
        Api.Response raw = as(null).post("/mcp", Map.of("jsonrpc", "2.0", "id", 1, "method", "tools/list"));
        assertThat(raw.status()).isEqualTo(401);
        assertThat(raw.header("WWW-Authenticate")).isEqualTo("Bearer");

        try (McpSyncClient anonymous = client(null); McpSyncClient wrong = client("lore_not-a-real-key")) {
            for (McpSyncClient refused : List.of(anonymous, wrong)) {
                Throwable failure = catchThrowable(refused::initialize);
                assertThat(failure).isNotNull();
                assertThat(causes(failure)).anySatisfy(cause -> {
                    assertThat(cause).isInstanceOf(McpHttpClientTransportAuthorizationException.class);
                    assertThat(((McpHttpClientTransportAuthorizationException) cause).getResponseInfo()
                            .statusCode()).isEqualTo(401);
                });
            }
        }
    }

    @Test
    void aKeyWithTheAgentsPermissionRecallsAndAddsMemories() {
        Api agentsApi = as(agentsKey);
        String simulation = AgentsFixture.simulation(agentsApi, "mcp-town", "2026-02-13T07:00:00", 10);
        String agent = AgentsFixture.agent(agentsApi, simulation, "Isabella", "Hobbs Cafe");
        try (McpSyncClient agents = client(agentsKey); McpSyncClient reader = client(readerKey)) {
            McpSchema.CallToolResult added = agents.callTool(call("add_memory", Map.of("agentId", agent,
                    "text", "Isabella is planning a Valentine's Day party at Hobbs Cafe", "importance", 8)));
            assertThat(added.isError()).as(text(added)).isNotEqualTo(Boolean.TRUE);
            assertThat(structured(added).get("importance")).isEqualTo(8.0);
            agents.callTool(call("add_memory", Map.of("agentId", agent, "text", "The cafe's coffee machine "
                    + "was cleaned", "importance", 2)));

            McpSchema.CallToolResult recalled = agents.callTool(call("recall_memories", Map.of("agentId", agent,
                    "query", "Valentine's Day party", "k", 1)));
            assertThat(recalled.isError()).as(text(recalled)).isNotEqualTo(Boolean.TRUE);
            assertThat(text(recalled)).contains("Valentine's Day party").doesNotContain("coffee machine");

            McpSchema.CallToolResult refused = reader.callTool(call("add_memory", Map.of("agentId", agent,
                    "text", "A stranger's memory", "importance", 5)));
            assertThat(refused.isError()).isTrue();
        }
        assertThat(agentsApi.get("/api/v1/agents/" + agent).body().path("memories").asLong()).isEqualTo(2);
    }

    private McpSyncClient client(String key) {
        HttpClientStreamableHttpTransport.Builder transport = HttpClientStreamableHttpTransport
                .builder("http://localhost:" + port).endpoint("/mcp");
        if (key != null) {
            transport.httpRequestCustomizer((request, method, endpoint, body, context) -> request
                    .header("Authorization", "Bearer " + key));
        }
        McpSyncClient client = McpClient.sync(transport.build()).requestTimeout(Duration.ofSeconds(60)).build();
        return client;
    }

    private static McpSchema.CallToolRequest call(String tool, Map<String, Object> arguments) {
        return new McpSchema.CallToolRequest(tool, arguments);
    }

    private static String text(McpSchema.CallToolResult result) {
        return ((McpSchema.TextContent) result.content().get(0)).text();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> structured(McpSchema.CallToolResult result) {
        return (Map<String, Object>) result.structuredContent();
    }

    private static List<Throwable> causes(Throwable failure) {
        List<Throwable> causes = new java.util.ArrayList<>();
        for (Throwable t = failure; t != null && !causes.contains(t); t = t.getCause()) {
            causes.add(t);
        }
        return causes;
    }

    private String mint(String name, List<String> collections, List<String> permissions) {
        Api.Response response = admin().post("/api/v1/keys",
                Map.of("name", name, "collections", collections, "permissions", permissions));
        assertThat(response.status()).as(response.raw()).isEqualTo(201);
        return response.body().path("key").asString();
    }
}
