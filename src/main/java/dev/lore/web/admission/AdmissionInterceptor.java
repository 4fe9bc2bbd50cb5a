package dev.lore.web.admission;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.http.HttpStatus;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.AsyncHandlerInterceptor;

import dev.lore.web.Admitted;
import dev.lore.web.ProblemResponses;
import tools.jackson.databind.json.JsonMapper;

/**
 * Admits a request to an {@link Admitted} handler only while the {@link Admission} bulkhead has room, and answers the
 * rest {@code 503 overloaded} with {@code Retry-After}, before its body is read. It decides on the handler Spring MVC
 * matched, not on the request's path, so {@code /api/v1/%61nswer} or {@code /api/v1/answer;x=1} are bounded like
 * {@code /api/v1/answer}; it runs after authentication, so a request without a valid key takes no place. A streamed
 * answer keeps its place until the stream ends or a write finds the client gone ({@link AdmissionFilter}).
 */
class AdmissionInterceptor implements AsyncHandlerInterceptor {

    private final Admission admission;
    private final AdmissionProperties properties;
    private final JsonMapper json;

    AdmissionInterceptor(Admission admission, AdmissionProperties properties, JsonMapper json) {
        this.admission = admission;
        this.properties = properties;
        this.json = json;
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
            throws Exception {
        // an async dispatch of a request admitted already keeps its place
        if (!properties.enabled() || !admitted(handler) || Place.of(request) != null) {
            return true;
        }
        if (!admission.tryEnter()) {
            ProblemResponses.write(json, request, response, HttpStatus.SERVICE_UNAVAILABLE, "overloaded", "Overloaded",
                    "Lore is already serving as many searches, answers and model calls as it admits at once ("
                            + admission.limit() + ", lore.admission.max-concurrent); try again in "
                            + properties.retryAfter().toSeconds() + " s.",
                    properties.retryAfter());
            return false;
        }
        Place.taken(request, admission);
        return true;
    }

    @Override
    public void afterConcurrentHandlingStarted(HttpServletRequest request, HttpServletResponse response,
            Object handler) {
        Place place = Place.of(request);
        if (place != null) {
            request.getAsyncContext().addListener(new Leave(place));
        }
    }

    @Override
    public void afterCompletion(HttpServletRequest request, HttpServletResponse response, Object handler,
            Exception failure) {
        Place place = Place.of(request);
        if (place != null && !request.isAsyncStarted()) {
            place.leave();
        }
    }

    static boolean admitted(Object handler) {
        if (handler instanceof HandlerMethod method) {
            return method.hasMethodAnnotation(Admitted.class)
                    || AnnotatedElementUtils.hasAnnotation(method.getBeanType(), Admitted.class);
        }
        // a functional endpoint's handler (the MCP server's) is admitted when its class is marked
        return handler != null && AnnotatedElementUtils.hasAnnotation(handler.getClass(), Admitted.class);
    }

    /** Gives the place back when an async response ends, however it ends. */
    private record Leave(Place place) implements AsyncListener {

        @Override
        public void onComplete(AsyncEvent event) {
            place.leave();
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            place.leave();
        }

        @Override
        public void onError(AsyncEvent event) {
            place.leave();
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            event.getAsyncContext().addListener(this);
        }
    }
}
