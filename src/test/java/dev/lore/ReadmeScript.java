package dev.lore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs README command blocks with bash and curl, as a reader would: each request's status is printed as a
 * {@code STATUS <code> <arguments>} line, and the ids later examples need ({@code <ingestionId>}, ...) are remembered
 * from the answers before them.
 */
final class ReadmeScript {

    /** What the README puts before each block that the walkthrough test runs. */
    static final String WALKTHROUGH_MARK = "<!-- walkthrough -->";

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
            """;

    private ReadmeScript() {
    }

    static String readme() throws IOException {
        return Files.readString(Path.of("README.md"));
    }

    /** Every {@code bash} block marked {@link #WALKTHROUGH_MARK}, in the README's order, joined into one script. */
    static String walkthroughBlocks(String readme) {
        Matcher block = Pattern.compile(Pattern.quote(WALKTHROUGH_MARK) + "\\n```bash\\n(.*?)```", Pattern.DOTALL)
                .matcher(readme);
        StringBuilder blocks = new StringBuilder();
        while (block.find()) {
            blocks.append(block.group(1)).append('\n');
        }
        return blocks.toString();
    }

    /** The first {@code bash} block after {@code anchor}, a phrase of the prose just before it. */
    static String blockAfter(String readme, String anchor) {
        Matcher block = Pattern.compile(Pattern.quote(anchor) + ".*?```bash\\n(.*?)```", Pattern.DOTALL)
                .matcher(readme);
        assertThat(block.find()).as("a bash block after \"" + anchor + "\" in the README").isTrue();
        return block.group(1);
    }

    /**
     * Points a block at the test instance and fills the placeholders a reader fills from earlier answers; a reader
     * follows an ingestion until it is done before reading what it stored.
     */
    static String forInstance(String block, int port) {
        String base = "127.0.0.1:" + port;
        return block.replace("localhost:8080", base)
                .replace("<ingestionId>", "$INGESTION_ID").replace("<documentId>", "$DOCUMENT_ID")
                .replace("<jobId>", "$JOB_ID").replace("<keyId>", "$KEY_ID")
                .replace("curl -s " + base + "/api/v1/ingestions/$INGESTION_ID",
                        "follow " + base + "/api/v1/ingestions/$INGESTION_ID; curl -s " + base
                                + "/api/v1/ingestions/$INGESTION_ID");
    }

    /** Runs {@code commands} in {@code dir} and returns what they printed. */
    static String run(Path dir, String commands) throws IOException, InterruptedException {
        Path script = dir.resolve("readme.sh");
        Files.writeString(script, PRELUDE + commands);
        Process bash = new ProcessBuilder("bash", script.toString()).directory(dir.toFile()).redirectErrorStream(true)
                .start();
        String output = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(bash.waitFor(120, TimeUnit.SECONDS)).as(output).isTrue();
        return output;
    }

    /** The {@code STATUS} lines of a run's output, one per request. */
    static List<String> statuses(String output) {
        return output.lines().filter(line -> line.startsWith("STATUS ")).toList();
    }
}
