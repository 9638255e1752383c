package io.tollgate.scg.app;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cloud.gateway.filter.ratelimit.KeyResolver;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import reactor.core.publisher.Mono;

/**
 * A bare Spring Cloud Gateway application: routes come from the properties each test passes. Its key resolvers:
 * {@code userKeyResolver} (the {@code X-User} header; no header, no key: SCG's empty-key handling applies) and
 * {@code emptyKeyResolver} (never a key).
 */
@SpringBootApplication(proxyBeanMethods = false)
public class GatewayTestApplication {

    /** The header {@link #userKeyResolver} reads. */
    public static final String USER_HEADER = "X-User";

    @Bean
    @Primary
    KeyResolver userKeyResolver() {
        return exchange -> Mono.justOrEmpty(exchange.getRequest().getHeaders().getFirst(USER_HEADER));
    }

    @Bean
    KeyResolver emptyKeyResolver() {
        return exchange -> Mono.empty();
    }
}
