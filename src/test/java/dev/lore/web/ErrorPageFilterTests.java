package dev.lore.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import tools.jackson.databind.json.JsonMapper;

/** The error page asked for directly is a 404 at whatever path {@code server.error.path} gives it. */
class ErrorPageFilterTests {

    private final ErrorPageFilter filter = new ErrorPageFilter(JsonMapper.builder().build(), "/oops");

    @Test
    void theConfiguredErrorPathIsA404AndOtherPathsPassThrough() throws Exception {
        MockHttpServletResponse errorPage = new MockHttpServletResponse();
        MockFilterChain notCalled = new MockFilterChain();
        filter.doFilter(new MockHttpServletRequest("GET", "/oops"), errorPage, notCalled);

        MockHttpServletResponse other = new MockHttpServletResponse();
        MockFilterChain called = new MockFilterChain();
        filter.doFilter(new MockHttpServletRequest("GET", "/error"), other, called);

        assertThat(errorPage.getStatus()).isEqualTo(404);
        assertThat(errorPage.getContentType()).startsWith("application/problem+json");
        assertThat(notCalled.getRequest()).isNull();
        assertThat(called.getRequest()).as("/error is an ordinary path here").isNotNull();
    }
}
