package io.tollgate.scg;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** The Spring Cloud Gateway rate limiter, under {@code tollgate.scg.*}. */
@ConfigurationProperties("tollgate.scg")
public class TollgateGatewayProperties {

    /** Whether the tollgateGatewayRateLimiter bean is registered when Spring Cloud Gateway is present. */
    private boolean enabled = true;

    /**
     * Whether responses also carry the headers SCG's RedisRateLimiter sends (X-RateLimit-Remaining, and for routes
     * with replenishRate: X-RateLimit-Replenish-Rate, X-RateLimit-Burst-Capacity, X-RateLimit-Requested-Tokens), on
     * top of the headers chosen by tollgate.headers.*.
     */
    private boolean includeHeaders = true;

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public boolean isIncludeHeaders() {
        return includeHeaders;
    }

    public void setIncludeHeaders(boolean includeHeaders) {
        this.includeHeaders = includeHeaders;
    }
}
