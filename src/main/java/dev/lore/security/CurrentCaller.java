package dev.lore.security;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;

/** The caller of the request being served, as established by the API-key filter. */
@Component
public class CurrentCaller {

    private final SecurityProperties properties;

    CurrentCaller(SecurityProperties properties) {
        this.properties = properties;
    }

    public Caller get() {
        if (!properties.enabled()) {
            return Caller.unrestricted();
        }
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        if (authentication != null && authentication.getPrincipal() instanceof Caller caller) {
            return caller;
        }
        throw new IllegalStateException("No authenticated caller on this thread");
    }
}
