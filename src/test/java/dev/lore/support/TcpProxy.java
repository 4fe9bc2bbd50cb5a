package dev.lore.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback that a test can cut and restore, to take a server away from the service under test. While
 * cut it drops every open connection and accepts new ones without ever answering, as a host behind a broken network
 * does (the harder case for a client: nothing is refused, everything waits).
 */
public final class TcpProxy implements AutoCloseable {

    private final ServerSocket server;
    private final String targetHost;
    private final int targetPort;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final List<Socket> held = new CopyOnWriteArrayList<>();
    private volatile boolean cut;

    public TcpProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread acceptor = new Thread(this::accept, "tcp-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A proxy for the host and port of a {@code jdbc:postgresql://host:port/db} URL. */
    public static TcpProxy forJdbcUrl(String url) throws IOException {
        String authority = url.replaceFirst("^jdbc:postgresql://", "").replaceFirst("/.*$", "");
        int colon = authority.lastIndexOf(':');
        return colon < 0 ? new TcpProxy(authority, 5432)
                : new TcpProxy(authority.substring(0, colon), Integer.parseInt(authority.substring(colon + 1)));
    }

    /** {@code url} with its host and port replaced by this proxy's. */
    public String jdbcUrlFor(String url) {
        return url.replaceFirst("^jdbc:postgresql://[^/]+", "jdbc:postgresql://127.0.0.1:" + port());
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Drops every connection and leaves new ones unanswered. */
    public void cut() {
        cut = true;
        closeAll(open);
    }

    /** Forwards new connections again; the ones accepted while cut are dropped. */
    public void restore() {
        cut = false;
        closeAll(held);
    }

    @Override
    public void close() throws IOException {
        server.close();
        closeAll(open);
        closeAll(held);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                if (cut) {
                    held.add(client);
                    continue;
                }
                Socket upstream = new Socket(targetHost, targetPort);
                open.add(client);
                open.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            }
            catch (IOException e) {
                // closed, or the target refused: the client sees its connection end
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            }
            catch (IOException e) {
                // one side went away
            }
            finally {
                quietlyClose(from);
                quietlyClose(to);
                open.remove(from);
                open.remove(to);
            }
        }, "tcp-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeAll(List<Socket> sockets) {
        for (Socket socket : sockets) {
            quietlyClose(socket);
        }
        sockets.clear();
    }

    private static void quietlyClose(Socket socket) {
        try {
            socket.close();
        }
        catch (IOException e) {
            // already closed
        }
    }
}
