package dev.lore.web.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import org.springframework.mock.web.MockAsyncContext;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import tools.jackson.databind.json.JsonMapper;

class AdmissionFilterTests {

    private final DataSource dataSource = new SimpleDriverDataSource();
    private final AdmissionProperties properties = new AdmissionProperties(true, 1, Duration.ZERO,
            Duration.ofSeconds(2), List.of("/api/v1/answer"));
    private final Admission admission = new Admission(properties, dataSource, new SimpleMeterRegistry());
    private final AdmissionFilter filter = new AdmissionFilter(admission, properties, JsonMapper.builder().build());

    @Test
    void aStreamedAnswerKeepsItsPlaceUntilTheStreamEnds() throws Exception {
        MockHttpServletRequest streaming = new MockHttpServletRequest("POST", "/api/v1/answer");
        streaming.setAsyncSupported(true);
        filter.doFilter(streaming, new MockHttpServletResponse(), (request, response) -> request.startAsync());

        MockHttpServletResponse refused = new MockHttpServletResponse();
        filter.doFilter(new MockHttpServletRequest("POST", "/api/v1/answer"), refused, (request, response) -> {
            throw new AssertionError("admitted while the stream holds the only place");
        });
        assertThat(refused.getStatus()).isEqualTo(503);
        assertThat(refused.getHeader("Retry-After")).isEqualTo("2");
        assertThat(refused.getContentAsString()).contains("errors/overloaded");

        ((MockAsyncContext) streaming.getAsyncContext()).complete();
        assertThat(admission.bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(1);
    }

    @Test
    void theOpenAiFacadeIsRefusedInOpenAisShape() throws Exception {
        AdmissionProperties facade = new AdmissionProperties(true, 1, Duration.ZERO, Duration.ofSeconds(1),
                List.of("/v1/chat/completions"));
        Admission full = new Admission(facade, dataSource, new SimpleMeterRegistry());
        full.bulkhead().tryAcquirePermission();
        MockHttpServletResponse refused = new MockHttpServletResponse();
        new AdmissionFilter(full, facade, JsonMapper.builder().build()).doFilter(
                new MockHttpServletRequest("POST", "/v1/chat/completions"), refused, (request, response) -> {
                });
        assertThat(refused.getStatus()).isEqualTo(503);
        assertThat(refused.getContentAsString()).contains("\"error\"").contains("\"code\":\"overloaded\"");
    }

    @Test
    void theDefaultIsFourPlacesPerCoreWithinThePool() {
        assertThat(Admission.defaultLimit(2, 10)).isEqualTo(8);
        assertThat(Admission.defaultLimit(16, 10)).isEqualTo(10);
        assertThat(Admission.defaultLimit(1, Integer.MAX_VALUE)).isEqualTo(4);
    }
}
