package io.tollgate.envoy.service;

import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.headers.RateLimitHeaders;
import io.tollgate.envoy.config.RateLimitRule;

/**
 * The IETF {@code RateLimit-Policy} and {@code RateLimit} headers (draft-ietf-httpapi-ratelimit-headers-11) that
 * {@code LIMIT_RESPONSE_HEADERS_ENABLED} adds to {@code response_headers_to_add}, for the one descriptor
 * envoyproxy/ratelimit would report: the last one over the limit, else the one with the fewest tokens left.
 *
 * <pre>
 * RateLimit-Policy: "per-user";q=10;w=60
 * RateLimit: "per-user";r=3;t=42
 * </pre>
 * {@code q} is the reported limit's capacity and {@code w} the seconds an empty bucket takes to fill; {@code r} the
 * whole tokens left and {@code t} the seconds (rounded up) until the request could pass when over, else until the
 * bucket is full: the same figures as {@code limit_remaining} and {@code duration_until_reset}. The policy is named by
 * the rule's {@code name}, else its descriptor path. A {@code requests_per_unit: 0} rule reports {@code q=0}.
 */
final class IetfHeaders {

    private IetfHeaders() {
    }

    static void add(RateLimitResponse.Builder response, RateLimitRule rule, Decision decision, boolean over,
                    long hits) {
        String name = rule.name().isEmpty() ? rule.statsKey() : rule.name();
        if (decision == null || decision.reason() == Decision.Reason.COST_EXCEEDS_CAPACITY) {
            long q = rule.kind() == RateLimitRule.Kind.LIMITED ? rule.spec().limit(0).capacity() : 0;
            header(response, RateLimitHeaders.POLICY, RateLimitHeaders.policyItem(name, q, rule.unit().seconds()));
            header(response, RateLimitHeaders.RATE_LIMIT, RateLimitHeaders.limitItem(name, 0, -1));
            return;
        }
        int t = decision.tightestLimit();
        Limit limit = decision.spec().limit(t);
        long micros = over ? decision.microsUntilAvailable(hits) : decision.resetMicros(t);
        header(response, RateLimitHeaders.POLICY, RateLimitHeaders.policyItem(name, limit.capacity(),
                limit.windowSeconds()));
        header(response, RateLimitHeaders.RATE_LIMIT, RateLimitHeaders.limitItem(name, decision.remaining(t),
                micros == Long.MAX_VALUE ? -1 : (micros + 999_999) / 1_000_000));
    }

    private static void header(RateLimitResponse.Builder response, String key, String value) {
        response.addResponseHeadersToAdd(HeaderValue.newBuilder().setKey(key).setValue(value));
    }
}
