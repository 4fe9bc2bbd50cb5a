package dev.lore.mcp;

import org.springframework.ai.mcp.server.webmvc.transport.WebMvcStatelessServerTransport;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.web.servlet.function.HandlerFunction;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;

import dev.lore.agents.AgentMemories;
import dev.lore.web.Admitted;

/**
 * Puts {@link CallerScopedTransport} between Spring AI's stateless MCP server and its Spring MVC transport at
 * {@code /mcp}, and admits MCP requests through the same bulkhead as the REST searches and answers. Stateless
 * because Lore's instances share nothing but the database: any instance can serve any request of a conversation,
 * and each request carries its own key.
 */
@Configuration(proxyBeanMethods = false)
class McpConfiguration {

    @Bean
    @Primary
    CallerScopedTransport callerScopedMcpTransport(WebMvcStatelessServerTransport transport,
            AgentMemories memories) {
        return new CallerScopedTransport(transport, memories::permitted);
    }

    /**
     * The transport's routes, each handler marked {@link Admitted}: a tool call searches, answers or calls a model,
     * so under load it is refused {@code 503 overloaded} like {@code POST /api/v1/answer}. Named as Spring AI's own
     * bean, which this one replaces.
     */
    @Bean
    RouterFunction<ServerResponse> webMvcStatelessServerRouterFunction(WebMvcStatelessServerTransport transport) {
        RouterFunction<ServerResponse> routes = transport.getRouterFunction();
        return request -> routes.route(request).map(AdmittedHandler::new);
    }

    /** An MCP request's handler, admitted by the bulkhead before it runs. */
    @Admitted
    record AdmittedHandler(HandlerFunction<ServerResponse> delegate) implements HandlerFunction<ServerResponse> {

        @Override
        public ServerResponse handle(ServerRequest request) throws Exception {
            return delegate.handle(request);
        }
    }
}
