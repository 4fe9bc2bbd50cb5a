package dev.lore.web;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Path;

import org.apache.tomcat.util.http.InvalidParameterException;
import org.apache.tomcat.util.http.fileupload.impl.FileCountLimitExceededException;
import org.apache.tomcat.util.http.fileupload.impl.FileSizeLimitExceededException;
import org.apache.tomcat.util.http.fileupload.impl.SizeLimitExceededException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.FieldError;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.multipart.support.MissingServletRequestPartException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Maps every failure to an RFC 9457 problem with a stable type: Lore's own {@link LoreException}s and Spring's
 * request errors as 4xx, anything else as a 500 that shows a correlation id and no internals.
 */
@RestControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE) // after advices for narrower failures: this one answers every exception
class ProblemDetailsAdvice extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemDetailsAdvice.class);

    /** What a client is told about parameters Tomcat could not decode, here and by {@link QueryStringFilter}. */
    static final String UNDECODABLE_PARAMETERS = "The query string or form body cannot be decoded: parameters must "
            + "be percent-encoded UTF-8 (%C3%A9, not %FF or a lone %C3)";

    @ExceptionHandler(LoreException.class)
    ResponseEntity<ProblemDetail> lore(LoreException e) {
        ResponseEntity.BodyBuilder response = ResponseEntity.status(e.status());
        if (e.retryAfter() != null) {
            response.header(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, e.retryAfter().toSeconds())));
        }
        return response.body(Problems.of(e.status(), e.type(), e.title(), e.getMessage()));
    }

    /** Method validation of a controller marked {@code @Validated} (e.g. {@code ?limit=0}). */
    @ExceptionHandler(ConstraintViolationException.class)
    ResponseEntity<ProblemDetail> constraintViolation(ConstraintViolationException e) {
        String detail = e.getConstraintViolations().stream()
                .map(ProblemDetailsAdvice::describe)
                .sorted()
                .collect(Collectors.joining("; "));
        return ResponseEntity.badRequest()
                .body(Problems.of(HttpStatus.BAD_REQUEST, "invalid-request", "Invalid request", detail));
    }

    /**
     * Query parameters (or form fields) Tomcat could not decode, e.g. {@code ?limit=%FF}: Tomcat parses them all on
     * the first look at any one, so the failure surfaces wherever that happens and would otherwise be a 500.
     */
    @ExceptionHandler(InvalidParameterException.class)
    ResponseEntity<ProblemDetail> invalidParameter(InvalidParameterException e) {
        return ResponseEntity.badRequest().body(Problems.of(HttpStatus.BAD_REQUEST, "invalid-request",
                "Invalid request", UNDECODABLE_PARAMETERS));
    }

    /** A multipart body Tomcat could not parse: no boundary, truncated, too many parts. */
    @ExceptionHandler(MultipartException.class)
    ResponseEntity<ProblemDetail> multipart(MultipartException e) {
        FileCountLimitExceededException tooManyParts = cause(e, FileCountLimitExceededException.class);
        if (tooManyParts != null) {
            return ResponseEntity.badRequest().body(Problems.of(HttpStatus.BAD_REQUEST, "invalid-request",
                    "Invalid request", "The upload has more than " + tooManyParts.getLimit()
                            + " parts, the server's limit (server.tomcat.max-part-count); send at most "
                            + "lore.documents.max-files-per-request files per request"));
        }
        if (e instanceof MaxUploadSizeExceededException tooLarge) {
            return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE).body(Problems.of(HttpStatus.CONTENT_TOO_LARGE,
                    "payload-too-large", "Payload too large", sizeLimit(tooLarge)));
        }
        return ResponseEntity.badRequest().body(Problems.of(HttpStatus.BAD_REQUEST, "malformed-multipart",
                "Malformed multipart body", "The body is not a complete multipart/form-data request: it needs a "
                        + "boundary in its Content-Type and must end with that boundary followed by '--'"));
    }

    /**
     * Everything else is a bug or an outage, not the client's doing: the client gets an id to quote, the log gets
     * the id and the stack trace.
     */
    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception e, HttpServletRequest request) {
        String correlationId = UUID.randomUUID().toString();
        log.error("Unexpected failure {} on {} {}", correlationId, request.getMethod(), request.getRequestURI(), e);
        ProblemDetail problem = Problems.of(HttpStatus.INTERNAL_SERVER_ERROR, "internal", "Internal error",
                "An unexpected error occurred; it has been logged as " + correlationId + ".");
        problem.setProperty("correlationId", correlationId);
        return ResponseEntity.internalServerError().body(problem);
    }

    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception ex, Object body, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        LoreException lore = cause(ex, LoreException.class);
        if (lore != null) {
            return new ResponseEntity<>(lore(lore).getBody(), headers, lore.status());
        }
        if (ex instanceof MaxUploadSizeExceededException tooLarge) {
            ResponseEntity<ProblemDetail> problem = multipart(tooLarge);
            return new ResponseEntity<>(problem.getBody(), headers, problem.getStatusCode());
        }
        ProblemDetail problem = Problems.of(status, typeOf(ex, status), titleOf(status), detailOf(ex));
        return super.handleExceptionInternal(ex, problem, headers, status, request);
    }

    private static String typeOf(Exception ex, HttpStatusCode status) {
        if (cause(ex, JsonInputConfiguration.NulCharacter.class) != null) {
            return "invalid-request";
        }
        if (ex instanceof HttpMessageNotReadableException && cause(ex, UnrecognizedPropertyException.class) != null) {
            return "invalid-request";
        }
        if (ex instanceof HttpMessageNotReadableException) {
            return "malformed-body";
        }
        if (ex instanceof MethodArgumentNotValidException || ex instanceof HandlerMethodValidationException
                || ex instanceof MethodArgumentTypeMismatchException
                || ex instanceof MissingServletRequestParameterException
                || ex instanceof MissingServletRequestPartException) {
            return "invalid-request";
        }
        if (ex instanceof HttpMediaTypeNotSupportedException) {
            return "unsupported-media-type";
        }
        if (ex instanceof HttpRequestMethodNotSupportedException) {
            return "method-not-allowed";
        }
        if (ex instanceof NoResourceFoundException) {
            return "not-found";
        }
        return "http-" + status.value();
    }

    private static String titleOf(HttpStatusCode status) {
        HttpStatus known = HttpStatus.resolve(status.value());
        return known == null ? "Error" : known.getReasonPhrase();
    }

    private static String detailOf(Exception ex) {
        if (ex instanceof MethodArgumentNotValidException invalid) {
            return invalid.getBindingResult().getFieldErrors().stream()
                    .map(ProblemDetailsAdvice::describe)
                    .collect(Collectors.joining("; "));
        }
        if (ex instanceof HttpMessageNotReadableException) {
            return unreadable(ex);
        }
        if (ex instanceof MethodArgumentTypeMismatchException mismatch) {
            return "'" + mismatch.getValue() + "' is not a valid " + mismatch.getName() + " ("
                    + expected(mismatch.getRequiredType()) + ")";
        }
        if (ex instanceof HandlerMethodValidationException invalid) {
            return invalid.getParameterValidationResults().stream()
                    .flatMap(result -> result.getResolvableErrors().stream()
                            .map(error -> result.getMethodParameter().getParameterName() + ": "
                                    + error.getDefaultMessage()))
                    .collect(Collectors.joining("; "));
        }
        if (ex instanceof NoResourceFoundException missing) {
            return "Nothing at /" + missing.getResourcePath() + ": the API is under /api/v1, described at "
                    + "/swagger-ui.html";
        }
        return ex.getMessage();
    }

    /** Names the field a JSON body got wrong, never Jackson's internal wording. */
    private static String unreadable(Exception ex) {
        JsonInputConfiguration.NulCharacter nul = cause(ex, JsonInputConfiguration.NulCharacter.class);
        if (nul != null) {
            return fieldOf(nul) + " must not contain the NUL character (\\u0000)";
        }
        UnrecognizedPropertyException unknown = cause(ex, UnrecognizedPropertyException.class);
        if (unknown != null) {
            return "Unknown field " + fieldOf(unknown) + (unknown.getKnownPropertyIds() == null ? ""
                    : " (expected " + unknown.getKnownPropertyIds().stream().map(String::valueOf).sorted()
                            .collect(Collectors.joining(", ")) + ")");
        }
        MismatchedInputException mismatch = cause(ex, MismatchedInputException.class);
        if (mismatch != null && !mismatch.getPath().isEmpty() && mismatch.getTargetType() != null) {
            return fieldOf(mismatch) + " must be " + expected(mismatch.getTargetType());
        }
        return "The request body is not valid JSON for this endpoint.";
    }

    private static String fieldOf(JacksonException e) {
        StringBuilder field = new StringBuilder();
        for (JacksonException.Reference reference : e.getPath()) {
            if (reference.getPropertyName() != null) {
                field.append(field.isEmpty() ? "" : ".").append(reference.getPropertyName());
            }
            else if (reference.getIndex() >= 0) {
                field.append('[').append(reference.getIndex()).append(']');
            }
        }
        return field.isEmpty() ? "the body" : "'" + field + "'";
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "a value of another type";
        }
        if (type == UUID.class) {
            return "a UUID";
        }
        if (Set.of(int.class, Integer.class, long.class, Long.class, short.class, Short.class).contains(type)) {
            return "an integer";
        }
        if (type == double.class || type == Double.class || type == float.class || type == Float.class) {
            return "a number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (List.class.isAssignableFrom(type) || type.isArray()) {
            return "a list";
        }
        if (Map.class.isAssignableFrom(type)) {
            return "an object";
        }
        if (type.isEnum()) {
            return "one of " + Arrays.stream(type.getEnumConstants())
                    .map(c -> c.toString().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));
        }
        return "a " + type.getSimpleName();
    }

    private static String sizeLimit(MaxUploadSizeExceededException e) {
        FileSizeLimitExceededException file = cause(e, FileSizeLimitExceededException.class);
        if (file != null) {
            return "'" + file.getFileName() + "' is larger than " + readable(file.getPermittedSize())
                    + ", the limit for one file (lore.documents.max-file-size)";
        }
        SizeLimitExceededException request = cause(e, SizeLimitExceededException.class);
        if (request != null) {
            return "The upload is larger than " + readable(request.getPermittedSize())
                    + ", the limit for one request (spring.servlet.multipart.max-request-size, set with "
                    + "LORE_MAX_REQUEST_SIZE)";
        }
        return "The upload is larger than the limits allow (lore.documents.max-file-size for one file, "
                + "LORE_MAX_REQUEST_SIZE for the whole request)";
    }

    private static String readable(long bytes) {
        DataSize size = DataSize.ofBytes(bytes);
        return size.toMegabytes() > 0 && size.toBytes() % DataSize.ofMegabytes(1).toBytes() == 0
                ? bytes + " bytes (" + size.toMegabytes() + " MB)" : bytes + " bytes";
    }

    private static String describe(FieldError error) {
        return error.getField() + ": " + error.getDefaultMessage();
    }

    private static String describe(ConstraintViolation<?> violation) {
        String name = null;
        for (Path.Node node : violation.getPropertyPath()) {
            name = node.getName();
        }
        return name + ": " + violation.getMessage();
    }

    private static <T extends Throwable> T cause(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
