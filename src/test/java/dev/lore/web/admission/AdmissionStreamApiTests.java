package dev.lore.web.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.TestPropertySource;

import dev.lore.models.Cancellation;
import dev.lore.models.Completion;
import dev.lore.models.FinishReason;
import dev.lore.models.Generation;
import dev.lore.models.GenerationRequest;
import dev.lore.models.Generator;
import dev.lore.models.GeneratorCapabilities;
import dev.lore.models.Usage;
import dev.lore.models.backend.GeneratorBackend;
import dev.lore.support.IntegrationTest;

/**
 * A client that abandons a streamed answer frees its place in the bulkhead at the first write that finds it gone,
 * even while the model behind the answer goes on for seconds without looking at its cancellation.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Import(AdmissionStreamApiTests.SlowModel.class)
@TestPropertySource(properties = { "lore.generator=slow", "lore.admission.max-concurrent=2" })
class AdmissionStreamApiTests extends IntegrationTest {

    private static final String COLLECTION = "admission-streams";

    @Autowired
    Admission admission;

    @BeforeAll
    void collection() {
        createLeaveAndLaptops(COLLECTION);
    }

    @Test
    void anAbandonedStreamGivesItsPlaceBackAtOnce() throws Exception {
        SlowGenerator model = SlowModel.GENERATOR;
        try (Socket socket = new Socket("127.0.0.1", port)) {
            byte[] body = "{\"collection\":\"%s\",\"question\":\"How many vacation days do staff earn?\"}"
                    .formatted(COLLECTION).getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/v1/answer HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + ADMIN_KEY
                    + "\r\nAccept: text/event-stream\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.write(body);
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.startsWith("event: token")) {
                // status line, headers, retrieval events
            }
            assertThat(line).as("a first token").isNotNull();
            assertThat(free()).isEqualTo(admission.limit() - 1);
        }
        long closed = System.nanoTime();
        while (free() < admission.limit() && System.nanoTime() - closed < TimeUnit.SECONDS.toNanos(8)) {
            Thread.sleep(20);
        }
        long freedAfterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closed);

        assertThat(free()).isEqualTo(admission.limit());
        assertThat(freedAfterMillis).as("the place came back %d ms after the client left", freedAfterMillis)
                .isLessThan(3_000);
        assertThat(model.done.getCount()).as("the model was still generating").isEqualTo(1);
        assertThat(model.done.await(15, TimeUnit.SECONDS)).isTrue();
    }

    private int free() {
        return admission.bulkhead().getMetrics().getAvailableConcurrentCalls();
    }

    /** Streams a token every 50 ms for 6 s, deaf to cancellation, like a backend that checks it late. */
    static final class SlowGenerator implements Generator {

        final CountDownLatch done = new CountDownLatch(1);

        @Override
        public String name() {
            return "slow:test";
        }

        @Override
        public GeneratorCapabilities capabilities() {
            return new GeneratorCapabilities(false, true, false, false, false);
        }

        @Override
        public Generation generate(GenerationRequest request) {
            return new Generation(name(), List.of(new Completion("Staff earn vacation days [1].", List.of(),
                    FinishReason.STOP)), new Usage(10, 5));
        }

        @Override
        public Generation stream(GenerationRequest request, Consumer<String> onToken, Cancellation cancellation) {
            try {
                for (int i = 0; i < 120; i++) {
                    onToken.accept("word" + i + " ");
                    Thread.sleep(50);
                }
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            finally {
                done.countDown();
            }
            return new Generation(name(), List.of(new Completion("Staff earn vacation days [1].", List.of(),
                    FinishReason.STOP)), new Usage(10, 120));
        }
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class SlowModel {

        static final SlowGenerator GENERATOR = new SlowGenerator();

        @Bean
        GeneratorBackend slowGeneratorBackend() {
            return new GeneratorBackend() {
                @Override
                public String id() {
                    return "slow";
                }

                @Override
                public Generator open() {
                    return GENERATOR;
                }
            };
        }
    }
}
