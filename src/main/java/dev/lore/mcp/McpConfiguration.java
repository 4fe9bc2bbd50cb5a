package dev.lore.mcp;

import org.springframework.ai.mcp.server.webmvc.transport.WebMvcStatelessServerTransport;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;

import dev.lore.agents.AgentMemories;

/**
 * Puts {@link CallerScopedTransport} between Spring AI's stateless MCP server and its Spring MVC transport at
 * {@code /mcp}. Stateless because Lore's instances share nothing but the database: any instance can serve any
 * request of a conversation, and each request carries its own key.
 */
@Configuration(proxyBeanMethods = false)
class McpConfiguration {

    @Bean
    @Primary
    CallerScopedTransport callerScopedMcpTransport(WebMvcStatelessServerTransport transport,
            AgentMemories memories) {
        return new CallerScopedTransport(transport, memories::permitted);
    }
}
