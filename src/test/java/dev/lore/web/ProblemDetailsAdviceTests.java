package dev.lore.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Only Lore's own validation errors become 400s; anything unexpected is a 500 with an id and no internals. */
@ExtendWith(OutputCaptureExtension.class)
class ProblemDetailsAdviceTests {

    @RestController
    static class Failing {

        @GetMapping("/bug")
        String bug() {
            throw new IllegalArgumentException("index 7 out of bounds in the JNI shim's token buffer");
        }

        @GetMapping("/invalid")
        String invalid() {
            throw LoreException.invalid("topK must be between 1 and 100");
        }
    }

    private final MockMvc mvc = MockMvcBuilders.standaloneSetup(new Failing())
            .setControllerAdvice(new ProblemDetailsAdvice()).build();

    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void anUnexpectedIllegalArgumentIsA500WithACorrelationIdAndNoInternals(CapturedOutput output) throws Exception {
        MvcResult result = mvc.perform(get("/bug")).andReturn();

        assertThat(result.getResponse().getStatus()).isEqualTo(500);
        assertThat(result.getResponse().getContentType()).startsWith("application/problem+json");
        String body = result.getResponse().getContentAsString();
        assertThat(body).doesNotContain("JNI").doesNotContain("index 7");
        JsonNode problem = json.readTree(body);
        assertThat(problem.path("type").asString()).endsWith("/internal");
        String id = problem.path("correlationId").asString();
        assertThat(id).matches("[0-9a-f-]{36}");
        assertThat(problem.path("detail").asString()).contains(id);
        assertThat(output.getOut() + output.getErr()).contains(id)
                .contains("java.lang.IllegalArgumentException: index 7 out of bounds")
                .contains("at dev.lore.web.ProblemDetailsAdviceTests$Failing.bug");
    }

    @Test
    void loresOwnValidationErrorIsA400WithItsMessage() throws Exception {
        MvcResult result = mvc.perform(get("/invalid")).andReturn();

        assertThat(result.getResponse().getStatus()).isEqualTo(400);
        JsonNode problem = json.readTree(result.getResponse().getContentAsString());
        assertThat(problem.path("type").asString()).endsWith("/invalid-request");
        assertThat(problem.path("detail").asString()).isEqualTo("topK must be between 1 and 100");
    }
}
