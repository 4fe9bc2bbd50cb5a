package dev.lore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import dev.lore.models.onnx.TinyCrossEncoder;
import dev.lore.support.FakeGeneratorBackend;
import dev.lore.support.Fixtures;
import dev.lore.support.IntegrationTest;

/**
 * Runs the README's walkthrough, as written, with bash and curl against this service: every block marked
 * {@value ReadmeScript#WALKTHROUGH_MARK}, in order, from documents to deleting the collection (a fake generator and a
 * tiny cross-encoder stand in for the models the HyDE and reranker examples need), so the README's examples stay
 * true: every request must answer 2xx. {@link ReadmeQuickStartApiTests} runs the quick start without any model.
 */
@Import(FakeGeneratorBackend.class)
@TestPropertySource(properties = "lore.generator=fake")
class ReadmeExamplesApiTests extends IntegrationTest {

    @DynamicPropertySource
    static void crossEncoder(DynamicPropertyRegistry registry) throws IOException {
        Path dir = Files.createTempDirectory("lore-readme-cross-encoder");
        TinyCrossEncoder.write(dir, TinyCrossEncoder.Kind.OVERLAP_ONE_LOGIT);
        registry.add("lore.rerank.cross-encoder.model-dir", dir::toString);
    }

    @Test
    void theWalkthroughRunsAsWritten() throws Exception {
        String blocks = ReadmeScript.walkthroughBlocks(ReadmeScript.readme());
        assertThat(blocks).as("the README's walkthrough blocks").contains("export KEY=lore_...")
                .contains("/api/v1/search").contains("/api/v1/answer").contains("/api/v1/keys");
        String walkthrough = ReadmeScript.forInstance(blocks.replace("export KEY=lore_...", "export KEY=" + ADMIN_KEY),
                port);
        Path dir = Files.createTempDirectory("lore-readme");
        Files.writeString(dir.resolve("leave.md"), "# Leave\n\n## Annual leave\n\nYou earn 13 vacation days a year.\n");
        Files.write(dir.resolve("benefits.pdf"), Fixtures.pdf("Benefits", "Health insurance starts on day one."));

        String output = ReadmeScript.run(dir, walkthrough);

        List<String> statuses = ReadmeScript.statuses(output);
        assertThat(statuses).as(output).hasSizeGreaterThan(25);
        assertThat(statuses).as(output).allSatisfy(line -> assertThat(line).matches("STATUS 2\\d\\d .*"));
        assertThat(statuses).as("the examples that use the collection run before it is deleted")
                .anySatisfy(line -> assertThat(line).contains("/api/v1/answer"))
                .anySatisfy(line -> assertThat(line).contains("/api/v1/evaluations/answers"))
                .last().asString().contains("-X DELETE").endsWith("/api/v1/collections/handbook -H " + "Authorization: "
                        + "Bearer " + ADMIN_KEY);
        assertThat(dir.resolve("lore-openapi.json")).content().contains("\"openapi\"");
    }
}
