package dev.lore.web;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.customizers.OperationCustomizer;
import org.springframework.boot.info.BuildProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.tags.Tag;

/**
 * The OpenAPI description at {@code /v3/api-docs}: a title and version, the bearer key every {@code /api/} call needs
 * (Swagger UI's Authorize button), the RFC 9457 problem responses each operation can answer, and the controllers'
 * tags (each names a capability with {@code @Tag}) in the order a reader meets them in the README.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    private static final String BEARER = "api-key";
    private static final String PROBLEM = "Problem";

    /**
     * The capabilities as Swagger UI lists them: the order a user meets them (the README's), not the alphabetical
     * or discovery order springdoc would give. A tag not named here (a new controller's) follows these.
     */
    static final List<Tag> TAGS = List.of(
            tag("Collections", "Create, list and configure collections"),
            tag("Documents", "Upload files or JSON text, follow their ingestion, list and delete documents"),
            tag("Search", "Dense, lexical or hybrid search with filters, HyDE and rerankers"),
            tag("Rerank", "Rerank any texts for a query, in Cohere's v1 and v2 shapes"),
            tag("Answers", "Cited answers from a collection: single, HyDE or FLARE, or quoted without a model"),
            tag("Chat", "Conversations with follow-up questions, their history and feedback"),
            tag("OpenAI-compatible", "Chat completions at /v1 for OpenAI clients: lore:<collection> as the model"),
            tag("Agents", "Generative agents: memories, reflection, plans, interviews and conversations"),
            tag("Simulations", "Agents on a clock: steps on request or on a schedule"),
            tag("Models", "Which models serve which role, what they can do, and their health"),
            tag("Keys", "API keys scoped to collections and permissions (administrators)"),
            tag("Evaluations", "Search and answer quality on your own labelled questions"));

    @Bean
    OpenAPI loreOpenApi(ObjectProvider<BuildProperties> build) {
        String version = build.getIfAvailable() == null ? "dev" : build.getIfAvailable().getVersion();
        Schema<?> problem = new ObjectSchema().description("RFC 9457 problem details; type ends with a stable suffix")
                .addProperty("type", new StringSchema().example(Problems.TYPE_PREFIX + "collection-not-found"))
                .addProperty("title", new StringSchema()).addProperty("status", new IntegerSchema())
                .addProperty("detail", new StringSchema()).addProperty("instance", new StringSchema());
        return new OpenAPI()
                .info(new Info().title("Lore").version(version).description("Retrieval, cited answers and generative "
                        + "agents over your documents. Every /api/ call needs 'Authorization: Bearer <api-key>'."))
                .components(new Components().addSchemas(PROBLEM, problem).addSecuritySchemes(BEARER,
                        new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")
                                .description("An API key: LORE_API_KEY for the administrator, or one minted at "
                                        + "POST /api/v1/keys")))
                .addSecurityItem(new SecurityRequirement().addList(BEARER));
    }

    /** Lists the tags in {@link #TAGS}' order, with their descriptions. */
    @Bean
    OpenApiCustomizer tagsInReadingOrder() {
        List<String> order = TAGS.stream().map(Tag::getName).toList();
        return openApi -> {
            // copies: the OpenAPI model is mutable and springdoc may build it more than once
            List<Tag> tags = new ArrayList<>(TAGS.stream().map(tag -> tag(tag.getName(), tag.getDescription())).toList());
            if (openApi.getTags() != null) {
                openApi.getTags().stream().filter(tag -> !order.contains(tag.getName())).forEach(tags::add);
            }
            if (openApi.getPaths() != null) {
                openApi.getPaths().values().stream().flatMap(path -> path.readOperations().stream())
                        .filter(operation -> operation.getTags() != null)
                        .flatMap(operation -> operation.getTags().stream())
                        .filter(name -> tags.stream().noneMatch(tag -> tag.getName().equals(name)))
                        .distinct().sorted(Comparator.naturalOrder()).forEach(name -> tags.add(new Tag().name(name)));
            }
            openApi.setTags(tags);
        };
    }

    private static Tag tag(String name, String description) {
        return new Tag().name(name).description(description);
    }

    /** Adds the problem responses an operation can give, unless it documents them itself. */
    @Bean
    OperationCustomizer problemResponses() {
        Map<String, String> problems = Map.of(
                "400", "Invalid request: the detail names the field or setting",
                "401", "Missing or unknown API key",
                "403", "The key may see the collection but not do this",
                "404", "Not found, or not visible to this key",
                "413", "Over a size limit: the detail names the limit and its setting",
                "500", "Unexpected failure: the detail carries a correlation id that the log shows",
                "503", "Overloaded, a model or the database unavailable: retry after Retry-After seconds");
        return (operation, handler) -> {
            problems.forEach((status, description) -> {
                if (operation.getResponses() != null && !operation.getResponses().containsKey(status)) {
                    operation.getResponses().addApiResponse(status, new ApiResponse().description(description)
                            .content(new Content().addMediaType("application/problem+json",
                                    new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM)))));
                }
            });
            return operation;
        };
    }
}
