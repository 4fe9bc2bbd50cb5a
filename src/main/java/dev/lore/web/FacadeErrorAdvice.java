package dev.lore.web;

import java.net.URI;


import org.springframework.core.MethodParameter;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyAdvice;

/**
 * Rewrites any problem Spring MVC is about to send under {@code /v1/**} into OpenAI's error shape
 * ({@link FacadeErrors}): the facade's own failures, and those of requests no facade handler took (an unknown path,
 * a wrong method or media type), which {@link ProblemDetailsAdvice} answers for every path.
 */
@ControllerAdvice
class FacadeErrorAdvice implements ResponseBodyAdvice<Object> {

    @Override
    public boolean supports(MethodParameter returnType, Class<? extends HttpMessageConverter<?>> converterType) {
        return true;
    }

    @Override
    public Object beforeBodyWrite(Object body, MethodParameter returnType, MediaType selectedContentType,
            Class<? extends HttpMessageConverter<?>> selectedConverterType, ServerHttpRequest request,
            ServerHttpResponse response) {
        if (!(body instanceof ProblemDetail problem) || !(request instanceof ServletServerHttpRequest servlet)
                || !FacadeErrors.applies(servlet.getServletRequest())) {
            return body;
        }
        // set before the converter writes, which then keeps it instead of application/problem+json
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        return FacadeErrors.body(problem.getStatus(), problem.getDetail(), null, code(problem.getType()));
    }

    private static String code(URI type) {
        String text = type == null ? "" : type.toString();
        return text.startsWith(Problems.TYPE_PREFIX) ? text.substring(Problems.TYPE_PREFIX.length()) : null;
    }
}
