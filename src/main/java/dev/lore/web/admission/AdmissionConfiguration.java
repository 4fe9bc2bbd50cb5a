package dev.lore.web.admission;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.handler.MappedInterceptor;

import tools.jackson.databind.json.JsonMapper;

/**
 * Puts the {@link AdmissionInterceptor} in front of every handler. A mapped interceptor bean rather than a
 * {@code WebMvcConfigurer}, which controller slice tests would pick up without the bulkhead it needs.
 */
@Configuration(proxyBeanMethods = false)
class AdmissionConfiguration {

    @Bean
    MappedInterceptor admissionInterceptor(Admission admission, AdmissionProperties properties, JsonMapper json) {
        return new MappedInterceptor(null, new AdmissionInterceptor(admission, properties, json));
    }
}
