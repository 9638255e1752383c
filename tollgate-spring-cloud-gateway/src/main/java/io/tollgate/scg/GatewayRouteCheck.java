package io.tollgate.scg;

import io.tollgate.spring.web.TollgateWebFilter;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.filter.FilterDefinition;
import org.springframework.cloud.gateway.filter.factory.RequestRateLimiterGatewayFilterFactory;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.expression.spel.standard.SpelExpressionParser;

/**
 * Checks, before the application starts, the Tollgate settings of every configured route
 * ({@code spring.cloud.gateway.server.webflux.routes}, with its {@code default-filters}) whose
 * {@code RequestRateLimiter} uses {@link TollgateRateLimiter}.
 *
 * <p>SCG binds a route's filter args only when it builds the route, after the context has started, and reports a bad
 * route in the log ("Refresh routes error") while the application runs on without it. This check runs once every
 * singleton exists (so {@code #{@bean}} references resolve), normalises each filter's args as SCG does, and stops
 * start-up with a {@link TollgateRouteException} naming the route, the setting and where it is configured.
 */
final class GatewayRouteCheck implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(GatewayRouteCheck.class);

    private final ObjectProvider<TollgateRateLimiter> limiters;
    private final ObjectProvider<GatewayProperties> gateway;
    private final ObjectProvider<RequestRateLimiterGatewayFilterFactory> filterFactory;
    private final ObjectProvider<TollgateWebFilter> webFilter;
    private final BeanFactory beanFactory;
    private final SpelExpressionParser parser = new SpelExpressionParser();

    GatewayRouteCheck(ObjectProvider<TollgateRateLimiter> limiters, ObjectProvider<GatewayProperties> gateway,
                      ObjectProvider<RequestRateLimiterGatewayFilterFactory> filterFactory,
                      ObjectProvider<TollgateWebFilter> webFilter, BeanFactory beanFactory) {
        this.limiters = limiters;
        this.gateway = gateway;
        this.filterFactory = filterFactory;
        this.webFilter = webFilter;
        this.beanFactory = beanFactory;
    }

    @Override
    public void afterSingletonsInstantiated() {
        GatewayProperties properties = gateway.getIfAvailable();
        RequestRateLimiterGatewayFilterFactory factory = filterFactory.getIfAvailable();
        TollgateRateLimiter limiter = limiters.getIfUnique();
        if (limiter == null || !limiter.enabled() || properties == null || factory == null) {
            return;
        }
        String prefix = GatewayProperties.PREFIX;
        List<FilterDefinition> defaults = properties.getDefaultFilters();
        int served = 0;
        for (int r = 0; r < properties.getRoutes().size(); r++) {
            RouteDefinition route = properties.getRoutes().get(r);
            if (!route.isEnabled()) {
                continue;
            }
            String id = route.getId() != null ? route.getId() : "routes[" + r + "]";
            for (int i = 0; i < defaults.size(); i++) {
                served += check(limiter, factory, id, defaults.get(i), prefix + ".default-filters[" + i + "].args");
            }
            for (int f = 0; f < route.getFilters().size(); f++) {
                served += check(limiter, factory, id, route.getFilters().get(f),
                        prefix + ".routes[" + r + "].filters[" + f + "].args");
            }
        }
        if (served > 0 && webFilter.getIfAvailable() != null) {
            log.info("Tollgate's WebFilter is on (tollgate.web.enabled=true): the Tollgate rules apply by path to"
                    + " every request before the gateway routes it, and the per-route limits of RequestRateLimiter"
                    + " apply too");
        }
    }

    /** Checks one filter of one route; 1 when it uses the Tollgate limiter, else 0. */
    private int check(TollgateRateLimiter limiter, RequestRateLimiterGatewayFilterFactory factory, String routeId,
                      FilterDefinition filter, String where) {
        if (!factory.name().equals(filter.getName())) {
            return 0;
        }
        Map<String, Object> args;
        try {
            args = factory.shortcutType().normalize(filter.getArgs(), factory, parser, beanFactory);
        } catch (RuntimeException e) {
            // not for this check to judge: SCG reports it when it builds the route
            log.debug("Cannot evaluate the RequestRateLimiter args of route {} ({})", routeId, e.toString());
            return 0;
        }
        if (!limiter.serves(args, true)) {
            return 0;
        }
        try {
            limiter.check(routeId, args);
        } catch (TollgateRouteException e) {
            throw e.at(where);
        }
        return 1;
    }
}
