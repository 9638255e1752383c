package io.tollgate.scg;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.rules.Rule;
import io.tollgate.core.rules.RuleSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouteSettingsTest {

    private static final RuleSet RULES = RuleSet.of(List.of(Rule.builder("login")
            .spec(BucketSpec.of(Limit.of(5, 1, RefillPeriod.SECOND), Limit.of(100, 100, RefillPeriod.HOUR))).build()));

    private static Map<String, Object> args(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    private static RouteLimit resolve(Object... keyValues) {
        return RouteSettings.resolve("r", RouteSettings.read("r", args(keyValues)), RULES);
    }

    private static TollgateRouteException problem(Object... keyValues) {
        try {
            resolve(keyValues);
        } catch (TollgateRouteException e) {
            assertThat(e.routeId()).isEqualTo("r");
            return e;
        }
        throw new AssertionError("no problem found in " + List.of(keyValues));
    }

    @Test
    void scgNumbersMakeOneLimitPerSecondUnderEitherPrefixAndAnySpelling() {
        for (Map<String, Object> a : List.of(
                args("tollgate.replenishRate", "10", "tollgate.burstCapacity", "20", "tollgate.requestedTokens", "2"),
                args("redis-rate-limiter.replenishRate", 10, "redis-rate-limiter.burstCapacity", 20L,
                        "redis-rate-limiter.requestedTokens", "2"),
                args("tollgate.replenish-rate", " 10 ", "tollgate.burst_capacity", "20",
                        "tollgate.REQUESTED-TOKENS", "2", "rate-limiter", "ignored here", "key-resolver", "too"))) {
            RouteLimit limit = RouteSettings.resolve("r", RouteSettings.read("r", a), RULES);
            assertThat(limit).isInstanceOf(RouteLimit.Fixed.class);
            Rule rule = ((RouteLimit.Fixed) limit).rule();
            assertThat(rule.name()).isEqualTo("r");
            assertThat(rule.spec().spec()).isEqualTo("20@10/second");
            assertThat(rule.cost()).isEqualTo(2);
            assertThat(rule.failurePolicy()).isNull(); // tollgate.failure-policy applies
        }
    }

    @Test
    void defaultsAreRedisRateLimitersAndAFractionalRateIsExact() {
        Rule rule = ((RouteLimit.Fixed) resolve("tollgate.replenishRate", "0.5")).rule();
        assertThat(rule.spec().spec()).isEqualTo("1@0.5/second"); // burstCapacity 1, requestedTokens 1
        assertThat(rule.cost()).isEqualTo(1);
    }

    @Test
    void burstCapacityZeroDeniesAll() {
        assertThat(resolve("tollgate.replenishRate", "1", "tollgate.burstCapacity", "0"))
                .isInstanceOf(RouteLimit.DenyAll.class);
    }

    @Test
    void aRuleByNameIsLookedUp() {
        RouteLimit limit = resolve("tollgate.rule", "login");
        assertThat(limit).isInstanceOf(RouteLimit.Named.class);
        assertThat(((RouteLimit.Named) limit).rule(() -> RULES)).isSameAs(RULES.rule("login").orElseThrow());
    }

    @Test
    void problemsNameTheSettingAndValue() {
        TollgateRouteException e = problem("tollgate.rule", "logon");
        assertThat(e.setting()).isEqualTo("tollgate.rule");
        assertThat(e.value()).isEqualTo("logon");
        assertThat(e.problem()).contains("the rules are \"login\"");

        e = problem("tollgate.rule", "login", "tollgate.requestedTokens", "2");
        assertThat(e.problem()).contains("not both (tollgate.requestedTokens is set too)");

        e = problem("tollgate.replenishRate", "-1");
        assertThat(e.setting()).isEqualTo("tollgate.replenishRate");
        assertThat(e.value()).isEqualTo("-1");

        e = problem("redis-rate-limiter.replenishRate", "0");
        assertThat(e.setting()).isEqualTo("redis-rate-limiter.replenishRate");

        e = problem("tollgate.replenishRate", "1", "tollgate.burstCapacity", "-5");
        assertThat(e.setting()).isEqualTo("tollgate.burstCapacity");
        assertThat(e.problem()).contains("at least 0 (0 denies every request)");

        e = problem("tollgate.replenishRate", "1", "tollgate.requestedTokens", "0");
        assertThat(e.setting()).isEqualTo("tollgate.requestedTokens");

        e = problem("tollgate.replenishRate", "1", "tollgate.burstCapacity", "3", "tollgate.requestedTokens", "4");
        assertThat(e.problem()).contains("no request could ever be allowed");

        e = problem("tollgate.replenishRate", "ten");
        assertThat(e.problem()).isEqualTo("expected a number greater than 0 (tokens added per second)");

        e = problem("tollgate.replenishRate", "1", "tollgate.burstCapacity", "2.5");
        assertThat(e.setting()).isEqualTo("tollgate.burstCapacity");
        assertThat(e.problem()).isEqualTo("expected a whole number");

        e = problem("tollgate.replenishRate", "1", "tollgate.burstCapacity", "");
        assertThat(e.problem()).isEqualTo("the value is empty");

        e = problem("tollgate.replenishRat", "1");
        assertThat(e.setting()).isEqualTo("tollgate.replenishRat");
        assertThat(e.problem()).startsWith("unknown setting");

        e = problem("redis-rate-limiter.rule", "login");
        assertThat(e.problem()).contains("a Tollgate rule is tollgate.rule");

        e = problem("tollgate.replenishRate", "1", "redis-rate-limiter.burstCapacity", "2");
        assertThat(e.problem()).contains("under one prefix");

        e = problem("tollgate.burstCapacity", "5");
        assertThat(e.setting()).isEqualTo("tollgate.replenishRate");
        assertThat(e.value()).isNull();

        e = problem("key-resolver", "#{@x}");
        assertThat(e.problem()).contains("needs tollgate.rule or tollgate.replenishRate");

        // beyond what the exact arithmetic can hold (capacity x precision of the rate >= 2^53)
        e = problem("tollgate.replenishRate", "0.0000000001", "tollgate.burstCapacity", "100000000");
        assertThat(e.setting()).isEqualTo("tollgate.replenishRate");
        assertThat(e.problem()).contains("too large to compute exactly");
    }

    @Test
    void argsWithoutTollgateSettingsAreRecognised() {
        assertThat(RouteSettings.hasSettings(args("key-resolver", "x", "deny-empty-key", "false"))).isFalse();
        assertThat(RouteSettings.hasSettings(args("redis-rate-limiter.burstCapacity", "1"))).isTrue();
        assertThat(RouteSettings.rateLimiterArg(args("rateLimiter", "bean"))).isEqualTo("bean");
        assertThat(RouteSettings.rateLimiterArg(args("rate-limiter", "bean"))).isEqualTo("bean");
        assertThat(RouteSettings.rateLimiterArg(args("key-resolver", "x"))).isNull();
    }
}
