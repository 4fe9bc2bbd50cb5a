package dev.lore.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import org.opensearch.common.settings.Settings;
import org.opensearch.core.common.transport.TransportAddress;
import org.opensearch.env.Environment;
import org.opensearch.http.HttpServerTransport;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.FileSystemUtils;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * The OpenSearch node the tests of the OpenSearch lexical engine run against, started once per test JVM: the one named
 * by {@code LORE_TEST_OPENSEARCH_URL}; else, with {@code LORE_TEST_OPENSEARCH=container} and a Docker engine, an
 * OpenSearch container (Testcontainers); else a single node inside this JVM, built from the OpenSearch server jars
 * Maven resolved (test scope) with its HTTP module (netty4), the analysis module (Snowball, stemmers, stop lists) and
 * the k-NN plugin ({@code knn_vector} on its Lucene engine) as classpath plugins, on a random loopback port. No
 * network, no Docker, no download. If none can be had, the tests that need one are skipped with the reason
 * ({@link RequiresOpenSearch}).
 *
 * <p>The node runs without the launcher's bootstrap (no security manager, no jar-hell check, no log4j-core: its
 * log4j API calls reach Logback through Boot's log4j-to-slf4j bridge), which the server supports for embedding.
 */
public final class TestOpenSearch {

    /** The same server line as the test node, for the container. */
    static final String IMAGE = "opensearchproject/opensearch:2.19.3";

    private static final Logger log = LoggerFactory.getLogger(TestOpenSearch.class);

    private static boolean resolved;
    private static URI url;
    private static String unavailable;

    private TestOpenSearch() {
    }

    /** The node's HTTP address, or null (see {@link #unavailable()}). */
    public static synchronized URI url() {
        if (!resolved) {
            resolved = true;
            try {
                url = resolve();
            }
            catch (Exception | LinkageError e) {
                unavailable = "the OpenSearch test node could not start: " + e;
                log.warn("No OpenSearch for the tests: {}", unavailable, e);
            }
        }
        return url;
    }

    /** Why there is no node, once {@link #url()} answered null. */
    public static synchronized String unavailable() {
        return unavailable;
    }

    private static URI resolve() throws Exception {
        String given = System.getenv("LORE_TEST_OPENSEARCH_URL");
        if (given != null && !given.isBlank()) {
            return URI.create(given);
        }
        if ("container".equals(System.getenv("LORE_TEST_OPENSEARCH"))) {
            if (!dockerAvailable()) {
                unavailable = "LORE_TEST_OPENSEARCH=container, but no Docker engine answers";
                return null;
            }
            return container();
        }
        return embedded();
    }

    /**
     * Starts {@link EmbeddedNode} in a class loader of its own: the test classpath without Boot's log4j-to-slf4j
     * bridge, plus Log4j's core, which the server calls directly (its slow logs set logger levels through Log4j's
     * {@code Configurator}, which fails against the bridge). The tests' own logging stays on Logback.
     */
    private static URI embedded() throws Exception {
        Path lib = Path.of("target", "opensearch-test-node");
        List<URL> urls = new ArrayList<>();
        for (Path entry : classpath()) {
            if (!entry.getFileName().toString().startsWith("log4j-to-slf4j")) {
                urls.add(entry.toUri().toURL());
            }
        }
        try (var jars = Files.list(lib)) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
                urls.add(jar.toUri().toURL());
            }
        }
        catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalStateException(lib.toAbsolutePath() + " is missing (the build copies Log4j's core there at "
                    + "generate-test-resources)", e);
        }
        ClassLoader loader = new URLClassLoader("opensearch-test-node", urls.toArray(URL[]::new),
                ClassLoader.getPlatformClassLoader());
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            Object uri = Class.forName(EmbeddedNode.class.getName(), true, loader).getMethod("launch").invoke(null);
            return URI.create((String) uri);
        }
        catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        finally {
            thread.setContextClassLoader(previous);
        }
    }

    /**
     * This JVM's classpath, read through Surefire's manifest-only jar where it uses one, or the class loader's where
     * the tests' classes came from one of their own (Maven's exec:java, which the benchmarks use).
     */
    private static List<Path> classpath() throws IOException {
        List<Path> entries = new ArrayList<>();
        if (TestOpenSearch.class.getClassLoader() instanceof URLClassLoader own) {
            for (URL url : own.getURLs()) {
                try {
                    entries.add(Path.of(url.toURI()));
                }
                catch (java.net.URISyntaxException e) {
                    throw new IOException(e);
                }
            }
            return entries;
        }
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path path = Path.of(entry);
            entries.add(path);
            if (entry.endsWith(".jar") && Files.isRegularFile(path)) {
                try (JarFile jar = new JarFile(path.toFile())) {
                    Manifest manifest = jar.getManifest();
                    String listed = manifest == null ? null : manifest.getMainAttributes().getValue("Class-Path");
                    if (listed != null) {
                        for (String item : listed.trim().split("\\s+")) {
                            entries.add(Path.of(path.toUri().resolve(item)));
                        }
                    }
                }
            }
        }
        return entries;
    }

    private static URI container() {
        GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(IMAGE))
                .withEnv(Map.of("discovery.type", "single-node", "DISABLE_SECURITY_PLUGIN", "true",
                        "DISABLE_INSTALL_DEMO_CONFIG", "true", "OPENSEARCH_JAVA_OPTS", "-Xms512m -Xmx512m"))
                .withExposedPorts(9200)
                .waitingFor(Wait.forHttp("/_cluster/health").forPort(9200).forStatusCode(200)
                        .withStartupTimeout(Duration.ofMinutes(3)));
        container.start();
        return URI.create("http://" + container.getHost() + ":" + container.getMappedPort(9200));
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        }
        catch (RuntimeException e) {
            return false;
        }
    }

    /** A one-node cluster in this JVM, stopped and deleted when the JVM exits. */
    public static final class EmbeddedNode extends Node {

        /**
         * The k-NN plugin's entry point: its jar is in the node's class loader only (the build unpacks it from the
         * plugin's zip), so it is named rather than imported.
         */
        private static final String KNN_PLUGIN = "org.opensearch.knn.plugin.KNNPlugin";

        private EmbeddedNode(Environment environment) {
            // the protected constructor the server's own test nodes use: plugins from the classpath, not a
            // plugins directory of unpacked distributions
            super(environment, modules(), true);
        }

        private static List<Class<? extends Plugin>> modules() {
            try {
                return List.of(org.opensearch.transport.Netty4Plugin.class,
                        org.opensearch.analysis.common.CommonAnalysisPlugin.class,
                        Class.forName(KNN_PLUGIN, false, EmbeddedNode.class.getClassLoader()).asSubclass(Plugin.class));
            }
            catch (ClassNotFoundException e) {
                throw new IllegalStateException("the k-NN plugin is missing from target/opensearch-test-node (the "
                        + "build unpacks it there at generate-test-resources)", e);
            }
        }

        /** Starts the node and answers its HTTP address (a string: the caller is in another class loader). */
        public static String launch() throws Exception {
            Path home = Files.createTempDirectory("lore-test-opensearch");
            Settings settings = Settings.builder()
                    .put("path.home", home.toString())
                    .put("path.data", home.resolve("data").toString())
                    .put("cluster.name", "lore-test")
                    .put("node.name", "lore-test-node")
                    .put("discovery.type", "single-node")
                    .put("network.host", "127.0.0.1")
                    // random free ports: several test JVMs (worktrees, CI) may run at once
                    .put("http.port", "0")
                    .put("transport.port", "0")
                    .put("http.type", "netty4")
                    .put("transport.type", "netty4")
                    // a nearly full disk (shared build machines) would otherwise stop shards from being allocated
                    .put("cluster.routing.allocation.disk.threshold_enabled", false)
                    // a machine of two cores runs the whole suite beside it
                    .put("node.processors", 2)
                    .build();
            Environment environment = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null,
                    () -> "lore-test-node");
            EmbeddedNode node = new EmbeddedNode(environment);
            try {
                node.start();
            }
            catch (Exception | LinkageError e) {
                node.close();
                deleteQuietly(home);
                throw e;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    node.close();
                    node.awaitClose(10, java.util.concurrent.TimeUnit.SECONDS);
                }
                catch (IOException | InterruptedException e) {
                    // the JVM is going: the temporary directory is deleted below either way
                }
                deleteQuietly(home);
            }, "opensearch-test-node-stop"));
            TransportAddress address = node.injector().getInstance(HttpServerTransport.class).boundAddress()
                    .publishAddress();
            String uri = "http://" + address.getAddress() + ":" + address.getPort();
            log.info("OpenSearch test node in this JVM at {}", uri);
            return uri;
        }

        private static void deleteQuietly(Path home) {
            try {
                FileSystemUtils.deleteRecursively(home);
            }
            catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
