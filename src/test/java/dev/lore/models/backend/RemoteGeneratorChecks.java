package dev.lore.models.backend;

import static dev.lore.models.backend.FakeHttpServer.slow;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.IntStream;

import dev.lore.models.Cancellation;
import dev.lore.models.FinishReason;
import dev.lore.models.Generation;
import dev.lore.models.GenerationRequest;
import dev.lore.models.Generator;
import dev.lore.models.ModelUnavailable;

/** Behaviour every remote generator owes its callers, checked the same way against each backend's fake server. */
public final class RemoteGeneratorChecks {

    private RemoteGeneratorChecks() {
    }

    /**
     * Streams 60 words 20 ms apart and cancels after the second: the result ends CANCELLED with exactly two pieces,
     * while the server was still sending; {@code wireFormat} turns the words into the backend's stream.
     */
    public static void cancellationStopsTheStreamEarly(FakeHttpServer server, String path, Generator generator,
            Function<List<String>, List<String>> wireFormat, String contentType) {
        AtomicBoolean finished = new AtomicBoolean();
        List<String> words = IntStream.range(0, 60).mapToObj(i -> "w" + i + " ").toList();
        server.on(path, FakeHttpServer.streamed(contentType, wireFormat.apply(words), Duration.ofMillis(20), finished));
        Cancellation cancellation = new Cancellation();
        List<String> pieces = new ArrayList<>();

        Generation generation = generator.stream(GenerationRequest.of("Go on", null), piece -> {
            pieces.add(piece);
            if (pieces.size() == 2) {
                cancellation.cancel();
            }
        }, cancellation);

        assertThat(pieces).containsExactly("w0 ", "w1 ");
        assertThat(generation.first().finishReason()).isEqualTo(FinishReason.CANCELLED);
        assertThat(finished).as("the server was still streaming when the client stopped").isFalse();
    }

    /** A server that does not answer within the (test) timeout gives a 503-kind failure in seconds, not a hang. */
    public static void aSilentServerTimesOutQuickly(FakeHttpServer server, String path, Generator generator,
            FakeHttpServer.Response answer, String backend) {
        server.on(path, slow(Duration.ofSeconds(5), answer));
        long start = System.nanoTime();

        assertThatThrownBy(() -> generator.generate(GenerationRequest.of("Hello?", null)))
                .isInstanceOf(ModelUnavailable.class).hasMessageContaining("'" + backend + "' is not answering");

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    }

    /**
     * Persistent server errors fail the call after its retries, then open the circuit, after which calls fail fast
     * without reaching the server.
     */
    public static void persistentServerErrorsOpenTheCircuit(FakeHttpServer server, String path, Generator generator,
            FakeHttpServer.Response error) {
        server.on(path, error);

        assertThatThrownBy(() -> generator.generate(GenerationRequest.of("Hi", null)))
                .isInstanceOf(ModelUnavailable.class).hasMessageContaining("not answering");
        assertThatThrownBy(() -> generator.generate(GenerationRequest.of("Hi", null)))
                .isInstanceOf(ModelUnavailable.class).hasMessageContaining("failed repeatedly and is paused");
        long requests = server.count(path);
        assertThatThrownBy(() -> generator.generate(GenerationRequest.of("Hi", null)))
                .isInstanceOfSatisfying(ModelUnavailable.class, open -> assertThat(open.retryAfter())
                        .isEqualTo(Duration.ofSeconds(30)));
        assertThat(server.count(path)).isEqualTo(requests);
    }
}
