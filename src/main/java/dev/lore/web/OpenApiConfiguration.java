package dev.lore.web;

import java.util.Map;

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

/**
 * The OpenAPI description at {@code /v3/api-docs}: a title and version, the bearer key every {@code /api/} call needs
 * (Swagger UI's Authorize button), and the RFC 9457 problem responses each operation can answer.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    private static final String BEARER = "api-key";
    private static final String PROBLEM = "Problem";

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
