package dev.lore.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import ch.qos.logback.classic.Logger;
import dev.lore.support.IntegrationTest;

/**
 * Credentials never reach the log, even when the server refuses the header that carries them. Tomcat and Spring
 * Security log such refusals at INFO once and at DEBUG afterwards, so the test turns DEBUG on to see both.
 */
@ExtendWith(OutputCaptureExtension.class)
class CredentialLoggingApiTests extends IntegrationTest {

    private static final String TOMCAT = "org.apache.coyote.http11.Http11Processor";
    private static final String FIREWALL = "org.springframework.security.web.firewall";

    private final java.util.logging.Logger tomcatJul = java.util.logging.Logger.getLogger(TOMCAT);
    private Level tomcatJulLevel;
    private boolean bridged;

    @BeforeEach
    void verbose() {
        // Tomcat logs through java.util.logging, which Boot bridges to Logback; when a test context closes, Boot
        // takes the bridge down for the whole JVM while other cached contexts still run
        bridged = !SLF4JBridgeHandler.isInstalled();
        if (bridged) {
            SLF4JBridgeHandler.install();
        }
        tomcatJulLevel = tomcatJul.getLevel();
        tomcatJul.setLevel(Level.FINE);
        logback(TOMCAT).setLevel(ch.qos.logback.classic.Level.DEBUG);
        logback(FIREWALL).setLevel(ch.qos.logback.classic.Level.DEBUG);
    }

    @AfterEach
    void quiet() {
        tomcatJul.setLevel(tomcatJulLevel);
        logback(TOMCAT).setLevel(null);
        logback(FIREWALL).setLevel(null);
        if (bridged) {
            SLF4JBridgeHandler.uninstall();
        }
    }

    @Test
    void aKeyInAHeaderTomcatRefusesIsNeverLogged(CapturedOutput output) {
        // a control character in a header line: Tomcat's exception quotes the whole line
        assertThat(status("Authorization: Bearer " + ADMIN_KEY + "\u0001")).isEqualTo(400);
        assertThat(status("Authorization: Bearer " + ADMIN_KEY + "\u0001")).isEqualTo(400);
        // an over-long header
        assertThat(status("Authorization: Bearer " + ADMIN_KEY + "x".repeat(10_000))).isEqualTo(400);

        assertThat(output.getAll()).contains("Error parsing HTTP request header").doesNotContain(ADMIN_KEY);
    }

    @Test
    void aKeyInAHeaderTheFirewallRefusesIsNeitherLoggedNorEchoed(CapturedOutput output) {
        // Tomcat lets a C1 control character through; Spring Security's firewall refuses it
        String rejected = raw("Authorization: Bearer " + ADMIN_KEY + "\u0085");

        assertThat(output.getAll()).doesNotContain(ADMIN_KEY);
        assertThat(rejected).startsWith("HTTP/1.1 400").contains("application/problem+json")
                .contains("rejected-request").doesNotContain(ADMIN_KEY);
    }

    private int status(String header) {
        return Integer.parseInt(raw(header).substring(9, 12));
    }

    /** Sends a GET with this header line as raw bytes (ISO-8859-1), which no HTTP client library would send. */
    private String raw(String header) {
        String request = "GET /api/v1/collections HTTP/1.1\r\nHost: localhost\r\n" + header
                + "\r\nConnection: close\r\n\r\n";
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Logger logback(String name) {
        return (Logger) LoggerFactory.getLogger(name);
    }
}
