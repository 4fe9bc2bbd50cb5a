package dev.lore.models.backend;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClientResponseException;

import dev.lore.models.ModelFailure;
import dev.lore.models.ModelUnavailable;
import dev.lore.web.LoreException;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.micrometer.tagged.TaggedBulkheadMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRetryMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedTimeLimiterMetrics;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Guards the calls to one remote backend: each attempt is time-limited, counted by a circuit breaker and held to a
 * bounded number in flight, failed attempts that may succeed later are retried with exponential backoff (or the
 * server's {@code Retry-After}, capped), and what still fails becomes a {@link ModelUnavailable} or
 * {@link ModelFailure}. Metrics go to Micrometer under the {@code resilience4j.*} names, tagged with the backend.
 */
public final class Resilience {

    private static final AtomicInteger THREADS = new AtomicInteger();

    private final String backend;
    private final ResilienceProperties settings;
    private final Function<Throwable, RemoteFailure> classifier;
    private final CircuitBreaker circuitBreaker;
    private final Retry retry;
    private final Bulkhead bulkhead;
    private final TimeLimiter timeLimiter;
    private final ExecutorService attempts;

    private Resilience(String backend, ResilienceProperties settings, Function<Throwable, RemoteFailure> classifier,
            MeterRegistry meters) {
        this.backend = backend;
        this.settings = settings;
        this.classifier = classifier;
        CircuitBreakerRegistry breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .failureRateThreshold(settings.failureRatePercent())
                .slidingWindowSize(settings.slidingWindowCalls())
                .minimumNumberOfCalls(settings.slidingWindowCalls())
                .waitDurationInOpenState(settings.openStateWait())
                .permittedNumberOfCallsInHalfOpenState(1)
                .recordException(failure -> failure instanceof RemoteFailure remote
                        && remote.kind() == RemoteFailure.Kind.UNAVAILABLE)
                .build());
        IntervalFunction backoff = IntervalFunction.ofExponentialBackoff(settings.initialBackoff(),
                settings.backoffMultiplier(), settings.maxBackoff());
        long maxWait = settings.maxBackoff().toMillis();
        RetryRegistry retries = RetryRegistry.of(RetryConfig.custom()
                .maxAttempts(settings.maxAttempts())
                .retryOnException(failure -> failure instanceof RemoteFailure remote && remote.retryable())
                .intervalBiFunction((attempt, outcome) -> {
                    if (outcome.isLeft() && outcome.getLeft() instanceof RemoteFailure remote
                            && remote.retryAfter() != null) {
                        return Math.min(remote.retryAfter().toMillis(), maxWait);
                    }
                    return backoff.apply(attempt);
                })
                .failAfterMaxAttempts(false)
                .build());
        BulkheadRegistry bulkheads = BulkheadRegistry.of(BulkheadConfig.custom()
                .maxConcurrentCalls(settings.maxConcurrentCalls())
                .maxWaitDuration(settings.maxQueueWait())
                .build());
        TimeLimiterRegistry timeLimiters = TimeLimiterRegistry.of(TimeLimiterConfig.custom()
                .timeoutDuration(settings.timeout())
                .cancelRunningFuture(true)
                .build());
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(meters);
        TaggedRetryMetrics.ofRetryRegistry(retries).bindTo(meters);
        TaggedBulkheadMetrics.ofBulkheadRegistry(bulkheads).bindTo(meters);
        TaggedTimeLimiterMetrics.ofTimeLimiterRegistry(timeLimiters).bindTo(meters);
        this.circuitBreaker = breakers.circuitBreaker(backend);
        this.retry = retries.retry(backend);
        this.bulkhead = bulkheads.bulkhead(backend);
        this.timeLimiter = timeLimiters.timeLimiter(backend);
        ThreadFactory threads = task -> {
            Thread thread = new Thread(task, "lore-" + backend + "-call-" + THREADS.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        this.attempts = Executors.newCachedThreadPool(threads);
    }

    /**
     * Guards the calls to {@code backend}; {@code classifier} recognises the client library's own exceptions and
     * answers {@code null} for others, which are then classified here (I/O errors, Spring's {@code RestClient}
     * errors, timeouts).
     */
    public static Resilience of(String backend, ResilienceProperties settings,
            Function<Throwable, RemoteFailure> classifier, MeterRegistry meters) {
        return new Resilience(backend, settings, classifier, meters);
    }

    public static Resilience of(String backend, ResilienceProperties settings, MeterRegistry meters) {
        return of(backend, settings, failure -> null, meters);
    }

    public String backend() {
        return backend;
    }

    public ResilienceProperties settings() {
        return settings;
    }

    /** Runs a call that answers all at once, within {@code timeout}, retried and guarded. */
    public <T> T call(Supplier<T> call) {
        return guarded(() -> classified(() -> timeLimited(call)));
    }

    /**
     * Runs a streaming call without an overall time limit (the client's read timeout bounds silence instead); it is
     * retried only while {@code delivered} is false, since text already handed on cannot be taken back.
     */
    public <T> T stream(Supplier<T> call, BooleanSupplier delivered) {
        return guarded(() -> {
            try {
                return classified(call);
            }
            catch (RemoteFailure failure) {
                throw delivered.getAsBoolean() ? failure.asFinal() : failure;
            }
        });
    }

    public CircuitBreaker.State circuitState() {
        return circuitBreaker.getState();
    }

    /** The circuit breaker's state and counts, for a health report. */
    public Map<String, Object> details() {
        CircuitBreaker.Metrics metrics = circuitBreaker.getMetrics();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("circuit", circuitBreaker.getState().name());
        details.put("failureRate", metrics.getFailureRate());
        details.put("bufferedCalls", metrics.getNumberOfBufferedCalls());
        details.put("failedCalls", metrics.getNumberOfFailedCalls());
        details.put("notPermittedCalls", metrics.getNumberOfNotPermittedCalls());
        details.put("availableConcurrentCalls", bulkhead.getMetrics().getAvailableConcurrentCalls());
        return details;
    }

    private <T> T guarded(Supplier<T> attempt) {
        Supplier<T> decorated = Retry.decorateSupplier(retry,
                CircuitBreaker.decorateSupplier(circuitBreaker, Bulkhead.decorateSupplier(bulkhead, attempt)));
        try {
            return decorated.get();
        }
        catch (RuntimeException failure) {
            throw reported(failure);
        }
    }

    private <T> T timeLimited(Supplier<T> call) {
        try {
            return timeLimiter.executeFutureSupplier(() -> attempts.submit(call::get));
        }
        catch (TimeoutException timeout) {
            throw RemoteFailure.unavailable("no answer within " + settings.timeout().toMillis() + " ms", timeout);
        }
        catch (ExecutionException wrapped) {
            throw rethrown(wrapped.getCause() == null ? wrapped : wrapped.getCause());
        }
        catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw RemoteFailure.unavailable("interrupted while waiting for an answer", interrupted);
        }
        catch (Exception failure) {
            throw rethrown(failure);
        }
    }

    private static RuntimeException rethrown(Throwable failure) {
        if (failure instanceof RuntimeException runtime) {
            return runtime;
        }
        if (failure instanceof Error error) {
            throw error;
        }
        return new IllegalStateException(failure);
    }

    private <T> T classified(Supplier<T> call) {
        try {
            return call.get();
        }
        catch (RemoteFailure | LoreException already) {
            throw already;
        }
        catch (RuntimeException failure) {
            throw classify(failure);
        }
    }

    private RuntimeException classify(Throwable failure) {
        RemoteFailure known = classifier.apply(failure);
        if (known != null) {
            return known;
        }
        if (failure instanceof RestClientResponseException response) {
            return RemoteFailure.status(response.getStatusCode().value(),
                    response.getResponseHeaders() == null ? null
                            : response.getResponseHeaders().getFirst("Retry-After"),
                    response.getResponseBodyAsString(), failure);
        }
        if (failure instanceof ResourceAccessException || failure instanceof UncheckedIOException
                || failure instanceof CancellationException) {
            return RemoteFailure.unavailable(describe(failure), failure);
        }
        Throwable cause = failure.getCause();
        while (cause != null && cause != failure) {
            if (cause instanceof IOException || cause instanceof TimeoutException) {
                return RemoteFailure.unavailable(describe(cause), failure);
            }
            RemoteFailure nested = classifier.apply(cause);
            if (nested != null) {
                return nested;
            }
            cause = cause.getCause();
        }
        return failure instanceof RuntimeException runtime ? runtime : new IllegalStateException(failure);
    }

    private RuntimeException reported(RuntimeException failure) {
        if (failure instanceof LoreException already) {
            return already;
        }
        if (failure instanceof CallNotPermittedException) {
            return ModelUnavailable.circuitOpen(backend, settings.openStateWait());
        }
        if (failure instanceof BulkheadFullException) {
            return ModelUnavailable.busy(backend, Duration.ofSeconds(1));
        }
        if (failure instanceof RemoteFailure remote) {
            return switch (remote.kind()) {
                case UNAVAILABLE -> ModelUnavailable.down(backend, remote);
                case RATE_LIMITED -> ModelUnavailable.busy(backend,
                        remote.retryAfter() != null ? remote.retryAfter() : settings.maxBackoff());
                case REJECTED -> ModelFailure.of(backend, "the request was refused (" + remote.getMessage() + ")",
                        remote);
                case MALFORMED -> ModelFailure.of(backend, remote.getMessage(), remote);
            };
        }
        return ModelFailure.of(backend, "unexpected error: " + describe(failure), failure);
    }

    private static String describe(Throwable failure) {
        String message = failure.getMessage();
        return message == null || message.isBlank() ? failure.getClass().getSimpleName() : message;
    }
}
