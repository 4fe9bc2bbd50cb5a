#!/usr/bin/env bash
# Checks a running Lore's MCP server with the official TypeScript MCP client (@modelcontextprotocol/sdk, the version
# pinned in scripts/mcp-client/package-lock.json). Needs Node.js 18+ and npm; not part of the Maven suite.
#   LORE_API_KEY=<key> [LORE_MCP_URL=http://localhost:8080/mcp] [LORE_COLLECTION=handbook] scripts/mcp-client-check.sh
# With LORE_COLLECTION it also searches and answers that collection.
set -euo pipefail
cd "$(dirname "$0")/mcp-client"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "[mcp-check] needs Node.js 18+ and npm" >&2
  exit 2
fi
npm ci --no-audit --no-fund --silent
exec node check.mjs
