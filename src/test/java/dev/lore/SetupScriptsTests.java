package dev.lore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The setup scripts' apt helper against a stand-in apt-get: it waits while another apt process holds the lock (as on
 * a fresh VM) and goes on once it is free, gives up after its limit, and fails at once on any other error.
 */
class SetupScriptsTests {

    @TempDir
    Path bin;

    @Test
    void waitsWhileAnotherAptProcessHoldsTheLockThenGoesOn() throws Exception {
        Result result = run(3, "Could not get lock /var/lib/apt/lists/lock. It is held by process 4242 (apt-get)",
                600);
        assertThat(result.exit()).as(result.output()).isZero();
        assertThat(result.calls()).isEqualTo(4);
        assertThat(result.output()).contains("another apt process holds its lock; waiting");
    }

    @Test
    void givesUpOnceTheLockIsHeldLongerThanItsLimit() throws Exception {
        Result result = run(1000, "E: Unable to lock directory /var/lib/apt/lists/", 3);
        assertThat(result.exit()).isNotZero();
        assertThat(result.calls()).isEqualTo(4);
        assertThat(result.output()).contains("Unable to lock directory");
    }

    @Test
    void anyOtherFailureFailsAtOnceWithAptsOutput() throws Exception {
        Result result = run(1000, "E: Unable to locate package chromium-driverr", 600);
        assertThat(result.exit()).isNotZero();
        assertThat(result.calls()).isEqualTo(1);
        assertThat(result.output()).contains("Unable to locate package");
    }

    private record Result(int exit, long calls, String output) {
    }

    /** apt_get update, with an apt-get that fails {@code failures} times saying {@code message}, then succeeds. */
    private Result run(int failures, String message, int waitSeconds) throws IOException, InterruptedException {
        Path count = bin.resolve("count");
        Path fake = bin.resolve("apt-get");
        Files.writeString(fake, """
                #!/usr/bin/env bash
                n=$(( $(cat "$COUNT" 2>/dev/null || echo 0) + 1 ))
                echo "$n" > "$COUNT"
                if (( n <= FAILURES )); then echo "$MESSAGE"; exit 100; fi
                echo "Reading package lists... Done"
                """);
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", "source scripts/lib/apt.sh && apt_get update -qq")
                .redirectErrorStream(true);
        builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        builder.environment().put("COUNT", count.toString());
        builder.environment().put("FAILURES", String.valueOf(failures));
        builder.environment().put("MESSAGE", message);
        builder.environment().put("APT_LOCK_POLL", "0");
        builder.environment().put("APT_LOCK_WAIT", String.valueOf(waitSeconds));
        Process process = builder.start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(process.exitValue(), Long.parseLong(Files.readString(count).strip()), output);
    }
}
