package dev.lore.web;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a handler (a controller method, every method of a controller, or the class of a functional endpoint's handler
 * function) that calls a model or scans much: it runs
 * only while the admission bulkhead has room, and is refused {@code 503 overloaded} otherwise. Admission is decided on
 * the handler Spring MVC matched, so no spelling of its path (percent-encoding, path parameters, extra slashes) routes
 * around it.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.METHOD, ElementType.TYPE })
public @interface Admitted {
}
