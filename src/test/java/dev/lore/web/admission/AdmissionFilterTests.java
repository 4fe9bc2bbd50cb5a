package dev.lore.web.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;

import javax.sql.DataSource;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;

import org.junit.jupiter.api.Test;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import org.springframework.mock.web.MockAsyncContext;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.method.HandlerMethod;

import dev.lore.web.Admitted;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import tools.jackson.databind.json.JsonMapper;

class AdmissionFilterTests {

    private final DataSource dataSource = new SimpleDriverDataSource();
    private final AdmissionProperties properties = new AdmissionProperties(true, 1, Duration.ZERO,
            Duration.ofSeconds(2));
    private final Admission admission = new Admission(properties, dataSource, new SimpleMeterRegistry());
    private final AdmissionInterceptor interceptor = new AdmissionInterceptor(admission, properties,
            JsonMapper.builder().build());

    static class Handlers {

        @Admitted
        void answer() {
        }

        void collections() {
        }
    }

    private static HandlerMethod handler(String name) throws NoSuchMethodException {
        return new HandlerMethod(new Handlers(), Handlers.class.getDeclaredMethod(name));
    }

    @Test
    void aStreamedAnswerKeepsItsPlaceUntilTheStreamEnds() throws Exception {
        MockHttpServletRequest streaming = new MockHttpServletRequest("POST", "/api/v1/answer");
        streaming.setAsyncSupported(true);
        MockHttpServletResponse response = new MockHttpServletResponse();
        assertThat(interceptor.preHandle(streaming, response, handler("answer"))).isTrue();
        streaming.startAsync();
        interceptor.afterConcurrentHandlingStarted(streaming, response, handler("answer"));

        MockHttpServletResponse refused = new MockHttpServletResponse();
        assertThat(interceptor.preHandle(new MockHttpServletRequest("POST", "/api/v1/answer"), refused,
                handler("answer"))).isFalse();
        assertThat(refused.getStatus()).isEqualTo(503);
        assertThat(refused.getHeader("Retry-After")).isEqualTo("2");
        assertThat(refused.getContentAsString()).contains("errors/overloaded");

        ((MockAsyncContext) streaming.getAsyncContext()).complete();
        assertThat(admission.bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(1);
    }

    /** The interceptor alone gives a place back at a request's end, also one that failed; no filter is needed. */
    @Test
    void aRequestGivesItsPlaceBackAtItsEndHoweverItEnds() throws Exception {
        for (Exception failure : new Exception[] { null, new IllegalStateException("failed") }) {
            MockHttpServletRequest request = new MockHttpServletRequest("POST", "/api/v1/answer");
            MockHttpServletResponse response = new MockHttpServletResponse();
            assertThat(interceptor.preHandle(request, response, handler("answer"))).isTrue();
            assertThat(admission.bulkhead().getMetrics().getAvailableConcurrentCalls()).isZero();
            interceptor.afterCompletion(request, response, handler("answer"), failure);
            assertThat(admission.bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(1);
        }
    }

    @Test
    void onlyAdmittedHandlersTakeAPlace() throws Exception {
        admission.bulkhead().tryAcquirePermission();
        MockHttpServletResponse response = new MockHttpServletResponse();
        assertThat(interceptor.preHandle(new MockHttpServletRequest("GET", "/api/v1/collections"), response,
                handler("collections"))).isTrue();
        assertThat(interceptor.preHandle(new MockHttpServletRequest("GET", "/static/chat.html"), response,
                new Object())).isTrue();
        assertThat(response.getStatus()).isEqualTo(200);
    }

    @Test
    void theOpenAiFacadeIsRefusedInOpenAisShape() throws Exception {
        admission.bulkhead().tryAcquirePermission();
        MockHttpServletResponse refused = new MockHttpServletResponse();
        interceptor.preHandle(new MockHttpServletRequest("POST", "/v1/chat/completions"), refused, handler("answer"));
        assertThat(refused.getStatus()).isEqualTo(503);
        assertThat(refused.getContentAsString()).contains("\"error\"").contains("\"code\":\"overloaded\"");
    }

    /** A stream whose client has gone: the handler may go on for a while, its place is free at the failed write. */
    @Test
    void theFirstWriteThatFindsTheClientGoneGivesThePlaceBack() throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/api/v1/answer");
        MockHttpServletResponse gone = new MockHttpServletResponse() {
            @Override
            public ServletOutputStream getOutputStream() {
                return new ServletOutputStream() {
                    @Override
                    public void write(int b) throws IOException {
                        throw new IOException("Broken pipe");
                    }

                    @Override
                    public boolean isReady() {
                        return true;
                    }

                    @Override
                    public void setWriteListener(WriteListener listener) {
                    }
                };
            }
        };
        int[] freeAfterTheWrite = { -1 };
        new AdmissionFilter().doFilter(request, gone, (req, res) -> {
            try {
                assertThat(interceptor.preHandle(request, gone, handler("answer"))).isTrue();
            }
            catch (Exception e) {
                throw new AssertionError(e);
            }
            try {
                res.getOutputStream().write('x');
            }
            catch (IOException expected) {
                // the client left
            }
            freeAfterTheWrite[0] = admission.bulkhead().getMetrics().getAvailableConcurrentCalls();
        });
        assertThat(freeAfterTheWrite[0]).isEqualTo(1);
        interceptor.afterCompletion(request, gone, handler("answer"), null);
        assertThat(admission.bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(1);
    }

    @Test
    void theDefaultIsFourPlacesPerCoreWithinThePool() {
        assertThat(Admission.defaultLimit(2, 10)).isEqualTo(8);
        assertThat(Admission.defaultLimit(16, 10)).isEqualTo(10);
        assertThat(Admission.defaultLimit(1, Integer.MAX_VALUE)).isEqualTo(4);
    }
}
