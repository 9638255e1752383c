package io.tollgate.server.web;

import io.tollgate.spring.web.ProblemBody;
import io.tollgate.spring.web.TollgateWebFilter;
import java.nio.charset.StandardCharsets;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Answers 404 with a fixed {@code application/problem+json} body, and logs nothing, for every request whose raw path
 * is not {@linkplain CanonicalPath canonical}: dot segments ({@code /health/../special_path}, {@code %2e%2e}), empty
 * segments ({@code /health//tollgate}), matrix parameters ({@code /health;a=b}) or encoded separators
 * ({@code %2F}, {@code %5C}). Canonical paths pass untouched. The body never echoes the path.
 *
 * <p>Why: such a path means one thing to the limiter (which normalises it: {@code /health/../special_path} is counted
 * as {@code /special_path}) and another to a handler. Actuator read {@code ../special_path} as a health component
 * path and failed with a 500, an ERROR log and a stack trace per request; an encoded slash ({@code /health/a%2Fb})
 * failed it the same way with another exception; {@code ../} made the static resource handler log a WARN per request.
 * Health paths through a missing component fail Actuator even when canonical; {@link MissingHealthComponentHandler}
 * covers those.
 *
 * <p>The rule is applied to every path, not only to {@code /health} and {@code /metrics}: measured against this
 * server, the only routed answers it changes besides the actuator ones are matrix-parameter aliases such as
 * {@code /special_path;x} (200 before, 404 now). Nothing here uses matrix parameters, and every other non-canonical
 * spelling was already a 404 or worse, so the general rule costs no legitimate route and also covers routes added later.
 *
 * <p>Ordered right after {@link TollgateWebFilter}, so the limiter first counts the request under the rule its
 * normalised path maps to ({@code /health/../special_path} costs a {@code special_path} token) and the 404 carries
 * the rate-limit headers.
 */
@Component
public class CanonicalPathFilter implements WebFilter, Ordered {

    /** Directly after the rate limiter. */
    public static final int ORDER = TollgateWebFilter.ORDER + 1;

    static final String PROBLEM_TYPE = "https://tollgate.dev/problems/non-canonical-path";

    private static final byte[] BODY = ("{\"type\":\"" + PROBLEM_TYPE + "\",\"title\":\"Not Found\",\"status\":404,"
            + "\"detail\":\"The request path is not in canonical form (it has dot or empty segments, matrix parameters"
            + " or encoded separators); send the canonical path instead\"}").getBytes(StandardCharsets.UTF_8);

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (CanonicalPath.isCanonical(exchange.getRequest().getPath().value())) {
            return chain.filter(exchange);
        }
        ServerHttpResponse response = exchange.getResponse();
        response.setStatusCode(HttpStatus.NOT_FOUND);
        HttpHeaders headers = response.getHeaders();
        headers.set(HttpHeaders.CONTENT_TYPE, ProblemBody.CONTENT_TYPE);
        headers.setContentLength(BODY.length);
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(BODY)));
    }
}
