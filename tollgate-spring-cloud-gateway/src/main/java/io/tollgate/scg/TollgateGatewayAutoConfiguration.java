package io.tollgate.scg;

import io.tollgate.core.headers.RateLimitHeaders;
import io.tollgate.core.limiter.RateLimiter;
import io.tollgate.core.rules.RuleSetSource;
import io.tollgate.spring.TollgateAutoConfiguration;
import io.tollgate.spring.web.TollgateWebFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.filter.factory.RequestRateLimiterGatewayFilterFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Fallback;

/**
 * Spring Cloud Gateway: the {@link TollgateRateLimiter} bean {@value TollgateRateLimiter#BEAN_NAME} and the start-up
 * check of the routes that use it.
 *
 * <p>Ordered after Tollgate's auto-configuration (it wraps the {@link RateLimiter} bean, whatever store that has) and
 * before the gateway's, whose {@code RequestRateLimiter} filter exists only when some SCG rate limiter bean does. The
 * bean is a {@link Fallback} candidate: where SCG's RedisRateLimiter (or another) exists too, that one stays the
 * filter's default, and routes choose Tollgate by reference; where it is the only one, it is the default. With
 * {@code tollgate.enabled=false} the bean still exists and allows every request, so routes that name it keep working.
 *
 * <p>Where it applies, the starter's own HTTP filters are off unless {@code tollgate.web.enabled=true}
 * ({@link TollgateGatewayEnvironmentPostProcessor}).
 */
@AutoConfiguration(after = TollgateAutoConfiguration.class,
        beforeName = "org.springframework.cloud.gateway.config.GatewayAutoConfiguration")
@ConditionalOnClass(name = {TollgateGatewayAutoConfiguration.ABSTRACT_RATE_LIMITER,
        TollgateGatewayAutoConfiguration.RATE_LIMITER_FILTER_FACTORY})
@ConditionalOnProperty(prefix = "tollgate.scg", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(TollgateGatewayProperties.class)
public class TollgateGatewayAutoConfiguration {

    /** The gateway classes this configuration, and {@link TollgateGatewayEnvironmentPostProcessor}, need. */
    static final String ABSTRACT_RATE_LIMITER =
            "org.springframework.cloud.gateway.filter.ratelimit.AbstractRateLimiter";
    static final String RATE_LIMITER_FILTER_FACTORY =
            "org.springframework.cloud.gateway.filter.factory.RequestRateLimiterGatewayFilterFactory";

    private static final Logger log = LoggerFactory.getLogger(TollgateGatewayAutoConfiguration.class);

    @Bean(TollgateRateLimiter.BEAN_NAME)
    @Fallback
    @ConditionalOnMissingBean(TollgateRateLimiter.class)
    public TollgateRateLimiter tollgateGatewayRateLimiter(ObjectProvider<RateLimiter> limiter,
                                                          ObjectProvider<RuleSetSource> rules,
                                                          ObjectProvider<RateLimitHeaders> headers,
                                                          TollgateGatewayProperties props,
                                                          ObjectProvider<RequestRateLimiterGatewayFilterFactory> filter) {
        RateLimiter tollgate = limiter.getIfAvailable();
        if (tollgate == null) {
            log.info("Tollgate is off (tollgate.enabled=false): gateway routes that use {} are not rate limited",
                    TollgateRateLimiter.BEAN_NAME);
            return TollgateRateLimiter.passThrough();
        }
        return new TollgateRateLimiter(tollgate, rules.getObject(), headers.getObject(), props.isIncludeHeaders(),
                () -> {
                    RequestRateLimiterGatewayFilterFactory f = filter.getIfAvailable();
                    return f == null ? null : f.getDefaultRateLimiter();
                });
    }

    @Bean
    GatewayRouteCheck tollgateGatewayRouteCheck(ObjectProvider<TollgateRateLimiter> limiter,
                                                       ObjectProvider<GatewayProperties> gateway,
                                                       ObjectProvider<RequestRateLimiterGatewayFilterFactory> filter,
                                                       ObjectProvider<TollgateWebFilter> webFilter,
                                                       BeanFactory beanFactory) {
        return new GatewayRouteCheck(limiter, gateway, filter, webFilter, beanFactory);
    }
}
