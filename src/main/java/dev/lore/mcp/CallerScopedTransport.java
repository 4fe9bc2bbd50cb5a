package dev.lore.mcp;

import java.util.List;
import java.util.function.BooleanSupplier;

import reactor.core.publisher.Mono;

import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.server.McpStatelessServerHandler;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpStatelessServerTransport;

/**
 * The MCP transport with each key's view of the tools: {@code tools/list} leaves out the agent tools for a key
 * without the {@code agents} permission, so a model is never offered a tool it may not use (calling one anyway is
 * refused by the tool itself). The MCP SDK lists one fixed set of tools to everyone and has no hook for this, so the
 * handler the server installs is wrapped on its way to the HTTP transport.
 */
final class CallerScopedTransport implements McpStatelessServerTransport {

    private final McpStatelessServerTransport delegate;
    private final BooleanSupplier agentsPermitted;

    CallerScopedTransport(McpStatelessServerTransport delegate, BooleanSupplier agentsPermitted) {
        this.delegate = delegate;
        this.agentsPermitted = agentsPermitted;
    }

    @Override
    public void setMcpHandler(McpStatelessServerHandler handler) {
        delegate.setMcpHandler(new McpStatelessServerHandler() {

            @Override
            public Mono<McpSchema.JSONRPCResponse> handleRequest(McpTransportContext context,
                    McpSchema.JSONRPCRequest request) {
                Mono<McpSchema.JSONRPCResponse> response = handler.handleRequest(context, request);
                if (!McpSchema.METHOD_TOOLS_LIST.equals(request.method())) {
                    return response;
                }
                // decided here, on the request's thread, where the caller's key is known
                boolean agents = agentsPermitted.getAsBoolean();
                return agents ? response : response.map(CallerScopedTransport::withoutAgentTools);
            }

            @Override
            public Mono<Void> handleNotification(McpTransportContext context,
                    McpSchema.JSONRPCNotification notification) {
                return handler.handleNotification(context, notification);
            }
        });
    }

    private static McpSchema.JSONRPCResponse withoutAgentTools(McpSchema.JSONRPCResponse response) {
        if (!(response.result() instanceof McpSchema.ListToolsResult listed)) {
            return response;
        }
        List<McpSchema.Tool> tools = listed.tools().stream()
                .filter(tool -> !LoreTools.AGENT_TOOLS.contains(tool.name())).toList();
        return new McpSchema.JSONRPCResponse(response.jsonrpc(), response.id(),
                new McpSchema.ListToolsResult(tools, listed.nextCursor(), listed.meta()), response.error());
    }

    @Override
    public Mono<Void> closeGracefully() {
        return delegate.closeGracefully();
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public List<String> protocolVersions() {
        return delegate.protocolVersions();
    }
}
