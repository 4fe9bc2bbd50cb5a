package dev.lore.web.admission;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Puts the {@link AdmissionInterceptor} in front of every handler. */
@Configuration(proxyBeanMethods = false)
class AdmissionConfiguration implements WebMvcConfigurer {

    private final AdmissionInterceptor interceptor;

    AdmissionConfiguration(AdmissionInterceptor interceptor) {
        this.interceptor = interceptor;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(interceptor);
    }
}
