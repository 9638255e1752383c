package io.tollgate.scg;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.rules.KeySource;
import io.tollgate.core.rules.Rule;
import io.tollgate.core.rules.RuleSet;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads and checks the Tollgate settings in the args of a route's {@code RequestRateLimiter} filter.
 *
 * <p>The settings are {@code tollgate.rule}, or {@code tollgate.replenishRate}, {@code tollgate.burstCapacity} and
 * {@code tollgate.requestedTokens} with the meaning of SCG's RedisRateLimiter. The same three numbers are also read
 * under RedisRateLimiter's own prefix, {@code redis-rate-limiter.*}, so that a route switches by its
 * {@code rate-limiter} reference alone. Names are relaxed as Spring's are ({@code replenish-rate},
 * {@code replenishRate}, {@code replenish_rate}). One route uses one prefix.
 */
final class RouteSettings {

    static final String PREFIX = "tollgate";
    static final String SCG_PREFIX = "redis-rate-limiter";

    static final String RULE = "rule";
    static final String REPLENISH_RATE = "replenishRate";
    static final String BURST_CAPACITY = "burstCapacity";
    static final String REQUESTED_TOKENS = "requestedTokens";

    private static final int NAMES_SHOWN = 20;

    private RouteSettings() {
    }

    /** Lower case without {@code -} and {@code _}: Spring's relaxed form of a name. */
    static String relaxed(String name) {
        return name.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
    }

    /** The value of the filter's {@code rate-limiter} argument (any spelling), or {@code null}. */
    static Object rateLimiterArg(Map<String, ?> args) {
        for (Map.Entry<String, ?> e : args.entrySet()) {
            if (e.getKey() != null && relaxed(e.getKey()).equals("ratelimiter")) {
                return e.getValue();
            }
        }
        return null;
    }

    /** True when some argument is under {@code tollgate.} or {@code redis-rate-limiter.}. */
    static boolean hasSettings(Map<String, ?> args) {
        for (String key : args.keySet()) {
            if (prefixOf(key) != null) {
                return true;
            }
        }
        return false;
    }

    private static String prefixOf(String key) {
        int dot = key == null ? -1 : key.indexOf('.');
        if (dot < 0) {
            return null;
        }
        String p = relaxed(key.substring(0, dot));
        return p.equals(PREFIX) ? PREFIX : p.equals(relaxed(SCG_PREFIX)) ? SCG_PREFIX : null;
    }

    /**
     * The settings in {@code args}, syntax only: a known name, a number where a number belongs.
     *
     * @throws TollgateRouteException naming the route and the argument
     */
    static TollgateRateLimiter.Config read(String routeId, Map<String, ?> args) {
        TollgateRateLimiter.Config c = new TollgateRateLimiter.Config();
        String seen = null;
        for (Map.Entry<String, ?> e : args.entrySet()) {
            String key = e.getKey();
            String prefix = prefixOf(key);
            if (prefix == null) {
                continue;
            }
            String value = e.getValue() == null ? null : String.valueOf(e.getValue()).trim();
            if (seen != null && !seen.equals(prefix)) {
                throw new TollgateRouteException(routeId, key, value, "the route has both " + PREFIX + ".* and "
                        + SCG_PREFIX + ".* settings; give them under one prefix", null);
            }
            seen = prefix;
            String setting = prefix + "." + canonicalName(relaxed(key.substring(key.indexOf('.') + 1)), key, value,
                    prefix, routeId);
            if (value == null || value.isEmpty()) {
                throw new TollgateRouteException(routeId, setting, null, "the value is empty", null);
            }
            switch (setting.substring(prefix.length() + 1)) {
                case RULE -> c.setRule(value);
                case REPLENISH_RATE -> c.setReplenishRate(decimal(routeId, setting, value));
                case BURST_CAPACITY -> c.setBurstCapacity(whole(routeId, setting, value));
                default -> c.setRequestedTokens(whole(routeId, setting, value));
            }
        }
        c.prefix = seen;
        return c;
    }

    private static String canonicalName(String relaxedName, String key, String value, String prefix, String routeId) {
        if (relaxedName.equals("rule") && prefix.equals(PREFIX)) {
            return RULE;
        }
        for (String name : List.of(REPLENISH_RATE, BURST_CAPACITY, REQUESTED_TOKENS)) {
            if (relaxed(name).equals(relaxedName)) {
                return name;
            }
        }
        String expected = prefix.equals(PREFIX)
                ? "rule, replenishRate, burstCapacity or requestedTokens"
                : "replenishRate, burstCapacity or requestedTokens (a Tollgate rule is " + PREFIX + ".rule)";
        throw new TollgateRouteException(routeId, key, value, "unknown setting; expected " + prefix + "." + expected,
                null);
    }

    private static BigDecimal decimal(String routeId, String setting, String value) {
        try {
            return new BigDecimal(value);
        } catch (NumberFormatException e) {
            throw new TollgateRouteException(routeId, setting, value,
                    "expected a number greater than 0 (tokens added per second)", null);
        }
    }

    private static long whole(String routeId, String setting, String value) {
        try {
            return new BigDecimal(value).longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new TollgateRouteException(routeId, setting, value, "expected a whole number", null);
        }
    }

    /**
     * The route's limit: its Tollgate rule from {@code rules}, or one limit from SCG's numbers. Checks what
     * {@link #read} cannot: the rule exists, a rule comes alone, the numbers are in range and exact.
     *
     * @throws TollgateRouteException naming the route and the setting
     */
    static RouteLimit resolve(String routeId, TollgateRateLimiter.Config c, RuleSet rules) {
        String p = c.prefix == null ? "" : c.prefix + ".";
        String token = RouteKeys.routeToken(routeId);
        if (c.getRule() != null) {
            String other = c.getReplenishRate() != null ? REPLENISH_RATE
                    : c.getBurstCapacity() != null ? BURST_CAPACITY : c.getRequestedTokens() != null ? REQUESTED_TOKENS
                    : null;
            if (other != null) {
                throw new TollgateRouteException(routeId, p + RULE, c.getRule(), "a route takes a Tollgate rule or "
                        + "SCG's replenishRate/burstCapacity/requestedTokens, not both (" + p + other + " is set too)",
                        null);
            }
            Rule rule = rules.rule(c.getRule()).orElseThrow(() -> new TollgateRouteException(routeId, p + RULE,
                    c.getRule(), "no Tollgate rule has this name; the rules are " + names(rules)
                    + " (tollgate.rules.* or the rules file)", null));
            return new RouteLimit.Named(routeId, token, rule);
        }
        if (c.getReplenishRate() == null) {
            boolean any = c.getBurstCapacity() != null || c.getRequestedTokens() != null;
            String prefix = c.prefix == null ? PREFIX + "." : p;
            throw new TollgateRouteException(routeId, prefix + REPLENISH_RATE, null, any
                    ? "missing; burstCapacity and requestedTokens need a replenishRate (tokens added per second)"
                    : "missing; the route uses the Tollgate rate limiter, so it needs " + PREFIX + ".rule or "
                    + PREFIX + ".replenishRate (with " + PREFIX + ".burstCapacity and " + PREFIX + ".requestedTokens)",
                    null);
        }
        BigDecimal rate = c.getReplenishRate();
        if (rate.signum() <= 0) {
            throw new TollgateRouteException(routeId, p + REPLENISH_RATE, rate.toPlainString(),
                    "expected a number greater than 0 (tokens added per second)", null);
        }
        long burst = c.getBurstCapacity() == null ? 1 : c.getBurstCapacity();
        if (burst < 0) {
            throw new TollgateRouteException(routeId, p + BURST_CAPACITY, Long.toString(burst),
                    "expected a whole number of at least 0 (0 denies every request)", null);
        }
        long cost = c.getRequestedTokens() == null ? 1 : c.getRequestedTokens();
        if (cost < 1) {
            throw new TollgateRouteException(routeId, p + REQUESTED_TOKENS, Long.toString(cost),
                    "expected a whole number of at least 1", null);
        }
        if (burst == 0) {
            return new RouteLimit.DenyAll(token, c);
        }
        if (cost > burst) {
            throw new TollgateRouteException(routeId, p + REQUESTED_TOKENS, Long.toString(cost), "more than "
                    + p + BURST_CAPACITY + " (" + burst + "), so no request could ever be allowed; a "
                    + BURST_CAPACITY + " of 0 denies every request on purpose", null);
        }
        Limit limit;
        try {
            limit = Limit.of(burst, rate, RefillPeriod.SECOND);
        } catch (IllegalArgumentException | ArithmeticException e) {
            boolean blameRate = rate.stripTrailingZeros().scale() > 0;
            throw new TollgateRouteException(routeId, p + (blameRate ? REPLENISH_RATE : BURST_CAPACITY),
                    blameRate ? rate.toPlainString() : Long.toString(burst), e.getMessage(), null);
        }
        Rule rule = Rule.builder(token).spec(BucketSpec.of(limit)).cost(cost).keySource(KeySource.GLOBAL).build();
        return new RouteLimit.Fixed(token, rule, c);
    }

    private static String names(RuleSet rules) {
        if (rules.rules().isEmpty()) {
            return "(none)";
        }
        String shown = rules.rules().stream().limit(NAMES_SHOWN).map(r -> "\"" + r.name() + "\"")
                .collect(Collectors.joining(", "));
        return rules.rules().size() > NAMES_SHOWN ? shown + ", ..." : shown;
    }
}
