// Checks Lore's MCP server with the official TypeScript client (@modelcontextprotocol/sdk) over Streamable HTTP:
// with the key it lists the tools (and, given a collection, searches and answers it); without a key it is refused.
// Run it through ../mcp-client-check.sh, which installs the client and says which environment it reads.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const url = new URL(process.env.LORE_MCP_URL ?? "http://localhost:8080/mcp");
const key = process.env.LORE_API_KEY;
const collection = process.env.LORE_COLLECTION;
if (!key) {
  console.error("Set LORE_API_KEY to a Lore key (the administrator's, or one minted with read on a collection).");
  process.exit(2);
}

function client() {
  return new Client({ name: "lore-mcp-check", version: "1.0.0" });
}

function transport(headers) {
  return new StreamableHTTPClientTransport(url, { requestInit: { headers } });
}

function text(result) {
  return result.content.filter((part) => part.type === "text").map((part) => part.text).join("\n");
}

const failures = [];
const withKey = client();
await withKey.connect(transport({ Authorization: `Bearer ${key}` }));
const { tools } = await withKey.listTools();
const names = tools.map((tool) => tool.name);
console.log(`tools: ${names.join(", ")}`);
for (const expected of ["list_collections", "search", "answer", "get_document"]) {
  if (!names.includes(expected)) failures.push(`tool ${expected} is not listed`);
}
if (collection) {
  const search = await withKey.callTool({ name: "search", arguments: { collection, query: "leave", topK: 3 } });
  console.log(`search ${collection}: ${search.isError ? "error: " : ""}${text(search).split("\n")[0]}`);
  if (search.isError || !Array.isArray(search.structuredContent?.results)) failures.push("search failed");
  const answer = await withKey.callTool({ name: "answer", arguments: { collection, question: "How many days of leave?" } });
  console.log(`answer ${collection}: ${answer.isError ? "error: " : ""}${text(answer).split("\n")[0]}`);
  if (answer.isError || !Array.isArray(answer.structuredContent?.citations)) failures.push("answer failed");
}
await withKey.close();

const withoutKey = client();
try {
  await withoutKey.connect(transport({}));
  failures.push("a client without a key was let in");
} catch (error) {
  const refused = error.code === 401 || /401|Unauthorized/i.test(String(error));
  console.log(`without a key: ${refused ? "refused with 401" : `failed otherwise: ${error}`}`);
  if (!refused) failures.push(`a client without a key failed otherwise: ${error}`);
}

if (failures.length) {
  console.error(`FAILED: ${failures.join("; ")}`);
  process.exit(1);
}
console.log("OK: the TypeScript MCP client lists Lore's tools with a key and is refused without one");
