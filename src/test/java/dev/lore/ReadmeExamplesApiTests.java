package dev.lore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
 * Runs the README's first-steps walkthrough, as written, with bash and curl against this service (a fake generator
 * and a tiny cross-encoder stand in for the models some examples need), so the README's examples stay true: every
 * request must answer 2xx. The placeholders the README leaves for the reader ({@code <ingestionId>}, ...) are filled
 * from the answers before them, as a reader would.
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

    /** Records each answer's status, remembers the ids later examples use, and waits for a followed ingestion. */
    private static final String PRELUDE = """
            set -u
            curl() {
              local out status body
              out=$(command curl -sS -w '\\n%{http_code}' "$@") || { echo "STATUS 000 $*"; return 0; }
              status=${out##*$'\\n'}; body=${out%$'\\n'*}
              echo "STATUS $status $*"
              remember "$body"
              printf '%s\\n' "$body"
            }
            first() { grep -o "\\"$1\\":\\"[^\\"]*\\"" <<<"$2" | head -1 | cut -d'"' -f4; }
            remember() {
              case "$1" in *'"ingestionId"'*)
                INGESTION_ID=$(first ingestionId "$1"); DOCUMENT_ID=$(first id "${1#*documents}");; esac
              case "$1" in *'"previousEmbedder"'* | *'"fromOriginals"'*) JOB_ID=$(first id "$1");; esac
              case "$1" in *'"key":"'*) KEY_ID=$(first id "$1");; esac
            }
            follow() {
              for _ in $(seq 300); do
                command curl -s "$1" -H "$H" | grep -q '"status":"\\(DONE\\|FAILED\\)"' && break; sleep 0.2
              done
            }
            open() { curl -sL "$1" -o /dev/null; }
            """;

    @Test
    void theFirstStepsWalkthroughRunsAsWritten() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        Matcher block = Pattern.compile("Or choose your own.*?```bash\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertThat(block.find()).as("the README's first-steps block").isTrue();
        String base = "127.0.0.1:" + port;
        String walkthrough = block.group(1)
                .replace("export KEY=lore_...", "export KEY=" + ADMIN_KEY)
                .replace("localhost:8080", base)
                .replace("<ingestionId>", "$INGESTION_ID").replace("<documentId>", "$DOCUMENT_ID")
                .replace("<jobId>", "$JOB_ID").replace("<keyId>", "$KEY_ID")
                // a reader follows an ingestion until it is done before reading what it stored
                .replace("curl -s " + base + "/api/v1/ingestions/$INGESTION_ID",
                        "follow " + base + "/api/v1/ingestions/$INGESTION_ID; curl -s " + base
                                + "/api/v1/ingestions/$INGESTION_ID");
        Path dir = Files.createTempDirectory("lore-readme");
        Files.writeString(dir.resolve("leave.md"), "# Leave\n\n## Annual leave\n\nYou earn 13 vacation days a year.\n");
        Files.write(dir.resolve("benefits.pdf"), Fixtures.pdf("Benefits", "Health insurance starts on day one."));
        Path script = dir.resolve("walkthrough.sh");
        Files.writeString(script, PRELUDE + walkthrough);

        Process bash = new ProcessBuilder("bash", script.toString()).directory(dir.toFile()).redirectErrorStream(true)
                .start();
        String output = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(bash.waitFor(120, TimeUnit.SECONDS)).isTrue();

        List<String> statuses = new ArrayList<>();
        output.lines().filter(line -> line.startsWith("STATUS ")).forEach(statuses::add);
        assertThat(statuses).as(output).hasSizeGreaterThan(20);
        assertThat(statuses).as(output).allSatisfy(line -> assertThat(line).matches("STATUS 2\\d\\d .*"));
    }

    @Test
    void theModelFreeFirstPathAnswersFromAFolderOfFiles() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        Matcher block = Pattern.compile("In another, with a folder.*?```bash\\n(.*?)```", Pattern.DOTALL)
                .matcher(readme);
        assertThat(block.find()).as("the README's model-free first path").isTrue();
        Path docs = Files.createTempDirectory("lore-readme-docs");
        Files.writeString(docs.resolve("paid-parental-leave.md"), "# Paid parental leave\n\nYou can take up to 12 "
                + "weeks of paid parental leave after the birth or placement of a child.\n");
        Files.writeString(docs.resolve("laptops.txt"), "New hires receive a laptop from the IT desk on day one.\n");
        String base = "127.0.0.1:" + port;
        String path = block.group(1)
                .replace("my-secret", ADMIN_KEY)
                .replace("localhost:8080", base)
                .replace("~/docs", docs.toString())
                // this context configures a generator, which the README's reader does not have
                .replace("\"question\":", "\"generator\":\"none\",\"question\":")
                // a unique name, so that the path runs again on a database a run left behind
                .replace("\"name\":\"docs\"", "\"name\":\"" + docs.getFileName() + "\"")
                .replace("collections/docs/", "collections/" + docs.getFileName() + "/")
                .replace("\"collection\":\"docs\"", "\"collection\":\"" + docs.getFileName() + "\"")
                .replace("curl -s " + base + "/api/v1/ingestions/<ingestionId>",
                        "follow " + base + "/api/v1/ingestions/$INGESTION_ID; curl -s " + base
                                + "/api/v1/ingestions/$INGESTION_ID");
        Path script = docs.resolve("first-path.sh");
        Files.writeString(script, PRELUDE + path);

        Process bash = new ProcessBuilder("bash", script.toString()).directory(docs.toFile())
                .redirectErrorStream(true).start();
        String output = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(bash.waitFor(120, TimeUnit.SECONDS)).isTrue();

        assertThat(output.lines().filter(line -> line.startsWith("STATUS "))).as(output).hasSize(4)
                .allSatisfy(line -> assertThat(line).matches("STATUS 2\\d\\d .*"));
        assertThat(output).as("answered without a model, quoting the file").contains("\"grounded\":true")
                .contains("\"generator\":\"none\"").contains("12 weeks").contains("paid-parental-leave.md");
    }
}
