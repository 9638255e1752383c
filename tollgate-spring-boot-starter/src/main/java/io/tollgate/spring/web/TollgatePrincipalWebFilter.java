package io.tollgate.spring.web;

import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Decides, after authentication, the rules keyed on the principal that {@link TollgateWebFilter} left for it, exactly
 * as that filter decides every other rule (headers, rejections, counting after the response). Every other request
 * passes untouched. Its order must come after Spring Security's {@code WebFilterChainProxy} (order -100), so that
 * {@link ServerWebExchange#getPrincipal()} holds the authenticated user.
 */
public class TollgatePrincipalWebFilter implements WebFilter, Ordered {

    /** Default order: after Spring Security's filter chain (-100). */
    public static final int DEFAULT_ORDER = 0;

    private final TollgateWebFilter decider;
    private final int order;

    public TollgatePrincipalWebFilter(RequestGate gate, int order) {
        this.decider = new TollgateWebFilter(gate);
        this.order = order;
    }

    @Override
    public int getOrder() {
        return order;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        DeferredRule deferred = (DeferredRule) exchange.getAttributes().remove(DeferredRule.ATTRIBUTE);
        if (deferred == null) {
            return chain.filter(exchange);
        }
        return decider.decide(exchange, chain, deferred.rule(), deferred.path());
    }
}
