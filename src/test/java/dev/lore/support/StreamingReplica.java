package dev.lore.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL streaming replica of the local test server, made with {@code pg_basebackup -R} into a temporary
 * directory and run with {@code pg_ctl} as the {@code postgres} OS user on a free port. {@link #start} says why not
 * where it cannot make one (no local server, no binaries, no replication entry in pg_hba.conf: see
 * scripts/setup-postgres.sh), so that tests can skip with that reason.
 */
public final class StreamingReplica implements AutoCloseable {

    /** A replica, or why there is none. */
    public record Outcome(StreamingReplica replica, String whyNot) {
    }

    private final Path directory;
    private final Path binaries;
    private final int port;
    private final String primaryUrl;

    private StreamingReplica(Path directory, Path binaries, int port, String primaryUrl) {
        this.directory = directory;
        this.binaries = binaries;
        this.port = port;
        this.primaryUrl = primaryUrl;
    }

    public static Outcome start(TestDatabase.Connection primary) {
        if (primary == null) {
            return new Outcome(null, "no test database");
        }
        URI uri = URI.create(primary.url().substring("jdbc:".length()));
        if (!List.of("127.0.0.1", "localhost").contains(uri.getHost())) {
            return new Outcome(null, "the test database is not on this machine: " + primary.url());
        }
        int primaryPort = uri.getPort() < 0 ? 5432 : uri.getPort();
        Path directory = null;
        try (java.sql.Connection connection = DriverManager.getConnection(primary.url(), primary.user(),
                primary.password())) {
            int major;
            List<String> settings = new ArrayList<>();
            try (ResultSet rs = connection.createStatement().executeQuery("""
                    SELECT current_setting('server_version_num')::int / 10000,
                           current_setting('max_connections'), current_setting('max_worker_processes'),
                           current_setting('max_wal_senders'), current_setting('max_prepared_transactions'),
                           current_setting('max_locks_per_transaction')""")) {
                rs.next();
                major = rs.getInt(1);
                // a hot standby refuses to start with less of these than its primary
                settings.add("max_connections = " + rs.getString(2));
                settings.add("max_worker_processes = " + rs.getString(3));
                settings.add("max_wal_senders = " + rs.getString(4));
                settings.add("max_prepared_transactions = " + rs.getString(5));
                settings.add("max_locks_per_transaction = " + rs.getString(6));
            }
            Path binaries = Path.of("/usr/lib/postgresql/" + major + "/bin");
            if (!Files.isExecutable(binaries.resolve("pg_basebackup"))) {
                return new Outcome(null, "no pg_basebackup in " + binaries);
            }
            if (!"root".equals(System.getProperty("user.name")) && !"postgres".equals(System.getProperty("user.name"))) {
                return new Outcome(null, "pg_ctl must run as the postgres OS user; this JVM runs as "
                        + System.getProperty("user.name"));
            }
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            directory = Files.createTempDirectory("lore-replica");
            run(List.of("chown", "postgres", directory.toString()), directory.getParent());
            Path data = directory.resolve("data");
            run(List.of(binaries.resolve("pg_basebackup").toString(), "-h", "127.0.0.1", "-p",
                    String.valueOf(primaryPort), "-U", "postgres", "-D", data.toString(), "-R", "-X", "stream",
                    "-c", "fast"), directory);
            // Debian keeps the configuration outside the data directory: the replica gets its own
            settings.add("listen_addresses = '127.0.0.1'");
            settings.add("port = " + port);
            settings.add("unix_socket_directories = '" + directory + "'");
            settings.add("shared_buffers = '32MB'");
            settings.add("hot_standby = on");
            settings.add("wal_receiver_status_interval = 1s");
            writeAsPostgres(data.resolve("postgresql.conf"), String.join("\n", settings) + "\n", directory);
            writeAsPostgres(data.resolve("pg_hba.conf"),
                    "local all all trust\nhost all all 127.0.0.1/32 trust\n", directory);
            writeAsPostgres(data.resolve("pg_ident.conf"), "", directory);
            StreamingReplica replica = new StreamingReplica(directory, binaries, port,
                    "jdbc:postgresql://127.0.0.1:" + port + uri.getPath());
            replica.startServer();
            return new Outcome(replica, null);
        } catch (IOException | SQLException | RuntimeException e) {
            delete(directory);
            return new Outcome(null, "could not make a streaming replica: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            delete(directory);
            return new Outcome(null, "interrupted");
        }
    }

    /** The JDBC URL of the test database on the replica. */
    public String url() {
        return primaryUrl;
    }

    public void startServer() throws IOException, InterruptedException {
        run(List.of(binaries.resolve("pg_ctl").toString(), "-D", directory.resolve("data").toString(), "-l",
                directory.resolve("log").toString(), "-w", "-t", "60", "start"), directory);
    }

    public void stopServer() throws IOException, InterruptedException {
        run(List.of(binaries.resolve("pg_ctl").toString(), "-D", directory.resolve("data").toString(), "-m",
                "fast", "-w", "stop"), directory);
    }

    @Override
    public void close() {
        try {
            stopServer();
        } catch (IOException | RuntimeException e) {
            // already stopped
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        delete(directory);
    }

    private static void writeAsPostgres(Path file, String text, Path directory)
            throws IOException, InterruptedException {
        Files.writeString(file, text);
        run(List.of("chown", "postgres", file.toString()), directory);
    }

    private static void run(List<String> command, Path directory) throws IOException, InterruptedException {
        List<String> asPostgres = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name")) && !command.get(0).equals("chown")) {
            asPostgres.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        asPostgres.addAll(command);
        Process process = new ProcessBuilder(asPostgres).directory(directory.toFile()).redirectErrorStream(true)
                .start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + ": " + new String(output).strip());
        }
    }

    private static void delete(Path directory) {
        if (directory == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is not worth failing a test for
        }
    }
}
