package io.tollgate.scg;

import io.tollgate.core.headers.RateLimitHeaders;
import io.tollgate.core.headers.ReportedLimits;
import io.tollgate.core.limiter.RateLimiter;
import io.tollgate.core.limiter.Verdict;
import io.tollgate.core.rules.Rule;
import io.tollgate.core.rules.RuleSetSource;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.springframework.cloud.gateway.event.FilterArgsEvent;
import org.springframework.cloud.gateway.filter.ratelimit.AbstractRateLimiter;
import reactor.core.publisher.Mono;

/**
 * Spring Cloud Gateway's {@code RateLimiter} contract on Tollgate: exact token buckets with continuous refill, in the
 * store Tollgate's auto-configuration provides (Redis, on the Redis server's clock, or in memory), with the rule's
 * failure policy when the store fails. A route switches to it with one bean reference:
 * <pre>
 * filters:
 * - name: RequestRateLimiter
 *   args:
 *     rate-limiter: "#{@tollgateGatewayRateLimiter}"
 *     key-resolver: "#{@userKeyResolver}"
 *     redis-rate-limiter.replenishRate: 10     # or tollgate.replenishRate, or tollgate.rule: login
 *     redis-rate-limiter.burstCapacity: 20
 * </pre>
 * Per route it takes SCG's {@code replenishRate} (tokens per second; a fraction is allowed), {@code burstCapacity}
 * (0 denies every request) and {@code requestedTokens}, or a Tollgate rule by name ({@code tollgate.rule}), which
 * brings several limits, any periods, a cost, shadow mode and a failure policy ({@link RouteSettings}).
 *
 * <p>Key resolution stays with SCG's filter: its {@code KeyResolver}, and its {@code deny-empty-key} and
 * {@code empty-key-status-code} for a resolver that finds no key (this limiter is not asked then). The id it passes is
 * hashed, never stored raw ({@link RouteKeys}); buckets are per route and id.
 *
 * <p>Responses carry core's headers ({@link RateLimitHeaders}: {@code RateLimit-Policy}, {@code RateLimit}, the
 * legacy {@code X-RateLimit-*} as {@code tollgate.headers.*} say, {@code Retry-After} on a denial,
 * {@code X-RateLimit-Degraded} when a failure policy decided) and, with {@code tollgate.scg.include-headers} on, the
 * headers RedisRateLimiter sends. A denial's status is the filter's {@code status-code} (429 unless configured): the
 * contract has no way to say 503, so a {@code fail-closed} or shed denial is that status too, flagged by its headers.
 *
 * <p>Never blocks: {@link #isAllowed} returns at once, and the answer resumes on the caller's event loop.
 */
public class TollgateRateLimiter extends AbstractRateLimiter<TollgateRateLimiter.Config> {

    /** The bean name routes refer to: {@code rate-limiter: "#{@tollgateGatewayRateLimiter}"}. */
    public static final String BEAN_NAME = "tollgateGatewayRateLimiter";

    /** The prefix of this limiter's filter arguments, {@code tollgate.rule} etc. */
    public static final String CONFIGURATION_PROPERTY_NAME = RouteSettings.PREFIX;

    /** RedisRateLimiter's header names, sent with {@code tollgate.scg.include-headers}. */
    public static final String REMAINING_HEADER = "X-RateLimit-Remaining";
    public static final String REPLENISH_RATE_HEADER = "X-RateLimit-Replenish-Rate";
    public static final String BURST_CAPACITY_HEADER = "X-RateLimit-Burst-Capacity";
    public static final String REQUESTED_TOKENS_HEADER = "X-RateLimit-Requested-Tokens";

    private final RateLimiter limiter;
    private final RuleSetSource rules;
    private final RateLimitHeaders headers;
    private final boolean includeScgHeaders;
    private final Supplier<Object> defaultLimiter;
    private final Map<String, RouteLimit> routes = new ConcurrentHashMap<>();

    /**
     * @param limiter           Tollgate's limiter (its store chain, default failure policy, listeners)
     * @param rules             where {@code tollgate.rule} names are looked up, on every request
     * @param headers           which of core's headers to send
     * @param includeScgHeaders also send RedisRateLimiter's {@code X-RateLimit-*} headers
     * @param defaultLimiter    the {@code RequestRateLimiter} filter's default limiter (for routes that name none),
     *                          asked lazily; may answer {@code null}
     */
    public TollgateRateLimiter(RateLimiter limiter, RuleSetSource rules, RateLimitHeaders headers,
                               boolean includeScgHeaders, Supplier<Object> defaultLimiter) {
        super(Config.class, CONFIGURATION_PROPERTY_NAME, null);
        this.limiter = Objects.requireNonNull(limiter, "limiter");
        this.rules = Objects.requireNonNull(rules, "rules");
        this.headers = Objects.requireNonNull(headers, "headers");
        this.includeScgHeaders = includeScgHeaders;
        this.defaultLimiter = defaultLimiter == null ? () -> null : defaultLimiter;
    }

    private TollgateRateLimiter() {
        super(Config.class, CONFIGURATION_PROPERTY_NAME, null);
        this.limiter = null;
        this.rules = null;
        this.headers = null;
        this.includeScgHeaders = false;
        this.defaultLimiter = () -> null;
    }

    /**
     * The limiter that stands in when Tollgate is switched off ({@code tollgate.enabled=false}): it allows every
     * request and sends no header, so routes that refer to it keep working.
     */
    public static TollgateRateLimiter passThrough() {
        return new TollgateRateLimiter();
    }

    /** False for the {@link #passThrough()} limiter. */
    public boolean enabled() {
        return limiter != null;
    }

    @Override
    public Mono<Response> isAllowed(String routeId, String id) {
        if (limiter == null) {
            return Mono.just(new Response(true, Map.of()));
        }
        RouteLimit route;
        try {
            route = routeLimit(routeId);
        } catch (RuntimeException e) {
            return Mono.error(e);
        }
        if (route instanceof RouteLimit.DenyAll deny) {
            return Mono.just(new Response(false, denyAllHeaders(deny)));
        }
        Rule rule = route instanceof RouteLimit.Named named ? named.rule(rules) : ((RouteLimit.Fixed) route).rule();
        String clientKey = RouteKeys.clientKey(route.routeToken(), id);
        return Mono.fromCompletionStage(() -> CallerLoop.resume(limiter.check(rule, clientKey)))
                .map(verdict -> new Response(verdict.permitted(), headers(route, verdict)));
    }

    /**
     * Takes the settings of a route's filter as SCG binds it (on start-up and on every route refresh), when the filter
     * uses this limiter.
     *
     * @throws TollgateRouteException when they cannot be used (SCG then fails that route's refresh)
     */
    @Override
    public void onApplicationEvent(FilterArgsEvent event) {
        Map<String, Object> args = event.getArgs();
        if (limiter == null || args == null || args.isEmpty() || !serves(args, false)) {
            return;
        }
        String routeId = event.getRouteId();
        Config config = RouteSettings.read(routeId, args);
        RouteLimit route = RouteSettings.resolve(routeId, config, rules.current());
        getConfig().put(routeId, config);
        routes.put(routeId, route);
    }

    /**
     * True when a filter with these (normalised) args uses this limiter: its {@code rate-limiter} is this bean, or it
     * names none, this is the filter's default, and it is a {@code RequestRateLimiter} filter (known, or told by
     * Tollgate settings among its args).
     */
    boolean serves(Map<String, ?> args, boolean rateLimiterFilter) {
        Object ref = RouteSettings.rateLimiterArg(args);
        if (ref != null) {
            return ref == this;
        }
        return (rateLimiterFilter || RouteSettings.hasSettings(args)) && defaultLimiter.get() == this;
    }

    /** Checks the settings of a route's filter without keeping them (the start-up check). */
    void check(String routeId, Map<String, ?> args) {
        RouteSettings.resolve(routeId, RouteSettings.read(routeId, args), rules.current());
    }

    /** The route's limit: from its filter's args, else from a {@link Config} put in {@link #getConfig()} in code. */
    RouteLimit routeLimit(String routeId) {
        RouteLimit route = routes.get(routeId);
        if (route != null) {
            return route;
        }
        Config config = getConfig().get(routeId);
        if (config == null) {
            throw new IllegalStateException("No Tollgate settings for gateway route \"" + routeId + "\": give its"
                    + " RequestRateLimiter filter tollgate.rule or tollgate.replenishRate");
        }
        return routes.computeIfAbsent(routeId, id -> RouteSettings.resolve(id, config, rules.current()));
    }

    private Map<String, String> headers(RouteLimit route, Verdict verdict) {
        Map<String, String> out = new LinkedHashMap<>();
        for (RateLimitHeaders.Header h : headers.headers(verdict)) {
            out.put(h.name(), h.value());
        }
        if (includeScgHeaders) {
            long remaining = verdict.decision() == null ? -1
                    : verdict.decision().remaining(ReportedLimits.reported(verdict));
            scgHeaders(route, remaining, out);
        }
        return out;
    }

    private void scgHeaders(RouteLimit route, long remaining, Map<String, String> out) {
        out.put(REMAINING_HEADER, Long.toString(remaining));
        Config c = route instanceof RouteLimit.Fixed f ? f.config()
                : route instanceof RouteLimit.DenyAll d ? d.config() : null;
        if (c != null) { // a rule's several limits have no such single numbers
            out.put(REPLENISH_RATE_HEADER, c.getReplenishRate().toPlainString());
            out.put(BURST_CAPACITY_HEADER, Long.toString(c.getBurstCapacity() == null ? 1 : c.getBurstCapacity()));
            out.put(REQUESTED_TOKENS_HEADER, Long.toString(c.getRequestedTokens() == null ? 1 : c.getRequestedTokens()));
        }
    }

    /** A route of capacity 0: no bucket and no wait helps, so the headers say so the way core says "never". */
    private Map<String, String> denyAllHeaders(RouteLimit.DenyAll route) {
        Map<String, String> out = new LinkedHashMap<>();
        String never = Long.toString(RateLimitHeaders.MAX_RETRY_AFTER_SECONDS);
        String name = route.routeToken();
        if (headers.ietf()) {
            out.put(RateLimitHeaders.POLICY, "\"" + name + "\";q=0");
            out.put(RateLimitHeaders.RATE_LIMIT, "\"" + name + "\";r=0;t=" + never);
        }
        if (headers.legacy()) {
            out.put(RateLimitHeaders.LEGACY_LIMIT, "0");
            out.put(RateLimitHeaders.LEGACY_REMAINING, "0");
            out.put(RateLimitHeaders.LEGACY_RESET, never);
        }
        out.put(RateLimitHeaders.RETRY_AFTER, never);
        if (includeScgHeaders) {
            scgHeaders(route, 0, out);
        }
        return out;
    }

    /**
     * One route's settings. SCG binds them from the filter args under {@code tollgate.} (or RedisRateLimiter's
     * {@code redis-rate-limiter.}); code that builds routes in Java may put one in {@link #getConfig()} under the
     * route id. Unset fields are {@code null}: a route gives either {@link #setRule rule} or the three numbers.
     */
    public static class Config {

        private String rule;
        private BigDecimal replenishRate;
        private Long burstCapacity;
        private Long requestedTokens;
        /** The prefix the args were given under, for messages; {@code null} when set in code. */
        String prefix;

        /** A Tollgate rule name, from {@code tollgate.rules.*} or the rules file. */
        public String getRule() {
            return rule;
        }

        public Config setRule(String rule) {
            this.rule = rule;
            return this;
        }

        /** Tokens added per second, greater than 0; may be a fraction. */
        public BigDecimal getReplenishRate() {
            return replenishRate;
        }

        public Config setReplenishRate(BigDecimal replenishRate) {
            this.replenishRate = replenishRate;
            return this;
        }

        /** The bucket's capacity; 0 denies every request; 1 when not set. */
        public Long getBurstCapacity() {
            return burstCapacity;
        }

        public Config setBurstCapacity(Long burstCapacity) {
            this.burstCapacity = burstCapacity;
            return this;
        }

        /** Tokens one request takes; 1 when not set. */
        public Long getRequestedTokens() {
            return requestedTokens;
        }

        public Config setRequestedTokens(Long requestedTokens) {
            this.requestedTokens = requestedTokens;
            return this;
        }

        @Override
        public String toString() {
            return rule != null ? "Config{rule=" + rule + "}" : "Config{replenishRate=" + replenishRate
                    + ", burstCapacity=" + burstCapacity + ", requestedTokens=" + requestedTokens + "}";
        }
    }
}
