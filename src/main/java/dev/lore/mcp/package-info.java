/**
 * Lore as an MCP server: search, cited answers, collections, documents and agents' memories as tools that assistants
 * (Claude Desktop, VS Code, Cursor, agent frameworks) call over Streamable HTTP at {@code /mcp} with a Lore key.
 */
package dev.lore.mcp;
