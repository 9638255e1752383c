package io.tollgate.server.web;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.web.PathMappedEndpoints;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Answers 404 with an empty body, exactly what Actuator answers for a missing component such as {@code /health/nope},
 * when the health endpoint fails with an {@link IllegalStateException} on a path below it; logs only at DEBUG.
 * Every other error, and any error on another path, goes on unchanged to Boot's error handler.
 *
 * <p>Why: Spring Boot 4.0's health endpoint walks a component path segment by segment and asserts ({@code 'contributor'
 * must not be null}) instead of answering "not found" when a segment before the last names no component. So the
 * canonical {@code /health/nope/x} was a 500 with an ERROR log and a full stack trace per request, and so was
 * {@code /health/../special_path} before {@link CanonicalPathFilter}. A path through a missing component is a missing
 * component.
 *
 * <p>Deliberately not a check of the path against the health registry before the endpoint runs: that would copy
 * Actuator's path resolution (groups, composites, reactive and blocking registries) and could turn a path Actuator
 * serves into a 404. This only changes answers that were 500s. Ordered before Boot's error handler (order -1), which
 * is the one that logs 5xx at ERROR.
 */
@Component
public class MissingHealthComponentHandler implements WebExceptionHandler, Ordered {

    /** Before Boot's {@code ErrorWebExceptionHandler} (-1). */
    public static final int ORDER = -2;

    private static final Logger log = LoggerFactory.getLogger(MissingHealthComponentHandler.class);
    private static final EndpointId HEALTH = EndpointId.of("health");

    private final ObjectProvider<PathMappedEndpoints> endpoints;

    MissingHealthComponentHandler(ObjectProvider<PathMappedEndpoints> endpoints) {
        this.endpoints = endpoints;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        ServerHttpResponse response = exchange.getResponse();
        String path = exchange.getRequest().getPath().pathWithinApplication().value();
        if (!(ex instanceof IllegalStateException) || response.isCommitted() || !belowHealth(path)) {
            return Mono.error(ex);
        }
        log.debug("404 for health path {}: {}", path, ex.getMessage());
        response.setStatusCode(HttpStatus.NOT_FOUND);
        return response.setComplete();
    }

    /** True for {@code <health endpoint path>/<something>}, wherever the management base path puts the endpoint. */
    private boolean belowHealth(String path) {
        PathMappedEndpoints mapped = endpoints.getIfAvailable();
        String health = mapped == null ? null : mapped.getPath(HEALTH); // resolved per error: errors are rare
        return health != null && path.length() > health.length() + 1 && path.startsWith(health)
                && path.charAt(health.length()) == '/';
    }
}
