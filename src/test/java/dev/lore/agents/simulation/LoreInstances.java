package dev.lore.agents.simulation;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import dev.lore.LoreApplication;
import dev.lore.support.Api;
import dev.lore.support.IntegrationTest;
import dev.lore.support.TestDatabase;
import tools.jackson.databind.json.JsonMapper;

/**
 * Whole Lore instances on the test database, each with its own scheduler and name: in this JVM (stopped the way a
 * service is stopped) or as a separate process (which can be killed, as a machine dies).
 */
final class LoreInstances {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private LoreInstances() {
    }

    static Map<String, Object> settings(String instance, String modelUrl) {
        TestDatabase.Connection database = TestDatabase.connection();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("spring.datasource.url", database.url());
        settings.put("spring.datasource.username", database.user());
        settings.put("spring.datasource.password", database.password());
        settings.put("spring.datasource.hikari.minimum-idle", "1");
        settings.put("lore.security.admin-key", IntegrationTest.ADMIN_KEY);
        settings.put("lore.generator", "openai");
        settings.put("spring.ai.openai.base-url", modelUrl);
        settings.put("spring.ai.openai.api-key", "sk-test");
        settings.put("spring.ai.openai.chat.options.model", "gpt-test");
        settings.put("lore.models.resilience.max-attempts", "1");
        settings.put("lore.agents.simulation.instance", instance);
        settings.put("db-scheduler.enabled", "true");
        settings.put("lore.retrieval.lexical.index-dir", IntegrationTest.temporaryLexicalIndexDir().toString());
        return settings;
    }

    /** An instance in this JVM on a random port. */
    static ConfigurableApplicationContext start(String instance, String modelUrl) {
        List<String> arguments = new ArrayList<>(List.of("--server.port=0"));
        settings(instance, modelUrl).forEach((name, value) -> arguments.add("--" + name + "=" + value));
        // arguments, not default properties: those rank below application.yml
        return new SpringApplicationBuilder(LoreApplication.class).run(arguments.toArray(String[]::new));
    }

    static Api api(ConfigurableApplicationContext context) {
        int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
        return new Api(port, IntegrationTest.ADMIN_KEY, JSON);
    }

    /** A separate process (main classes only, no test classes) on {@code port}, its log in {@code log}. */
    static Process spawn(String instance, String modelUrl, int port, Path log) throws IOException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String runtime = Arrays.stream(classpath.split(File.pathSeparator))
                .filter(entry -> !entry.contains("test-classes")).collect(Collectors.joining(File.pathSeparator));
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"), "-Xmx1g", "-cp", runtime,
                LoreApplication.class.getName(), "--server.port=" + port));
        settings(instance, modelUrl).forEach((name, value) -> command.add("--" + name + "=" + value));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Waits until the process answers its health check. */
    static void awaitUp(Process process, int port, Duration within) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the instance exited with " + process.exitValue());
            }
            try {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + port + "/actuator/health")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            }
            catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the instance did not come up within " + within);
    }
}
