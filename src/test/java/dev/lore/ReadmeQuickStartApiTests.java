package dev.lore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.lore.support.IntegrationTest;

/**
 * Runs the README's quick start as written against an instance configured as a fresh install is: no generator, no
 * reranker, nothing injected. A newcomer's first question must be answered, quoted and cited, without a model.
 */
class ReadmeQuickStartApiTests extends IntegrationTest {

    @Test
    void theQuickStartIsShort() throws Exception {
        List<String> lines = ReadmeScript.readme().lines().toList();
        assertThat(lines.subList(0, 10)).as("the README's first commands").contains("./lore run", "./lore test");
        assertThat(lines.indexOf("## Quick start")).isPositive();
        assertThat(lines.indexOf("## Reference")).as("where the quick start ends").isBetween(1, 99);
    }

    @Test
    void theQuickStartAnswersFromAFolderOfFilesWithoutAModel() throws Exception {
        List<String> roles = new ArrayList<>();
        admin().get("/api/v1/models").body().path("models").forEach(model -> roles.add(model.path("role").asString()));
        assertThat(roles).as("a fresh install's models").containsExactly("embedder");
        String block = ReadmeScript.blockAfter(ReadmeScript.readme(), "In another, with a folder");
        Path docs = Files.createTempDirectory("lore-readme-docs");
        Files.writeString(docs.resolve("paid-parental-leave.md"), "# Paid parental leave\n\nYou can take up to 12 "
                + "weeks of paid parental leave after the birth or placement of a child.\n");
        Files.writeString(docs.resolve("laptops.txt"), "New hires receive a laptop from the IT desk on day one.\n");
        String collection = docs.getFileName().toString();
        String quickStart = ReadmeScript.forInstance(block, port)
                .replace("my-secret", ADMIN_KEY)
                .replace("~/docs", docs.toString())
                // a unique name, so that the quick start runs again on a database a run left behind
                .replace("\"name\":\"docs\"", "\"name\":\"" + collection + "\"")
                .replace("collections/docs/", "collections/" + collection + "/")
                .replace("\"collection\":\"docs\"", "\"collection\":\"" + collection + "\"");

        String output = ReadmeScript.run(docs, quickStart);

        assertThat(ReadmeScript.statuses(output)).as(output).hasSize(4)
                .allSatisfy(line -> assertThat(line).matches("STATUS 2\\d\\d .*"));
        assertThat(output).as("answered without a model, quoting the file").contains("\"grounded\":true")
                .contains("\"generator\":\"none\"").contains("\"extractive\"").contains("12 weeks")
                .contains("paid-parental-leave.md");
    }
}
