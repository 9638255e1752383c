package io.tollgate.scg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.headers.RateLimitHeaders;
import io.tollgate.core.limiter.RateLimiter;
import io.tollgate.core.rules.Rule;
import io.tollgate.core.rules.RuleSet;
import io.tollgate.core.store.InMemoryBucketStore;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.gateway.event.FilterArgsEvent;
import org.springframework.cloud.gateway.filter.ratelimit.RateLimiter.Response;

/** The limiter without a gateway: which filter events it takes, rule reloads, Java-configured routes, pass-through. */
class TollgateRateLimiterTest {

    private final AtomicLong clock = new AtomicLong(1_700_000_000_000_000L);
    private final AtomicReference<RuleSet> rules = new AtomicReference<>(rules(3));
    private final AtomicReference<Object> defaultLimiter = new AtomicReference<>();
    private final TollgateRateLimiter limiter = new TollgateRateLimiter(
            new RateLimiter(new InMemoryBucketStore(clock::get, 1000)), rules::get, new RateLimitHeaders(true, false),
            false, defaultLimiter::get);

    private static RuleSet rules(long loginCapacity) {
        return RuleSet.of(List.of(Rule.builder("login")
                .spec(BucketSpec.of(Limit.of(loginCapacity, 1, RefillPeriod.HOUR))).build()));
    }

    private static Map<String, Object> args(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    private void event(String route, Map<String, Object> args) {
        limiter.onApplicationEvent(new FilterArgsEvent(this, route, args));
    }

    private Response ask(String route, String id) {
        return limiter.isAllowed(route, id).block(Duration.ofSeconds(5));
    }

    private int allowedInARow(String route, String id, int max) {
        for (int i = 0; i < max; i++) {
            if (!ask(route, id).isAllowed()) {
                return i;
            }
        }
        return max;
    }

    @Test
    void takesTheSettingsOfFiltersThatNameItAndOnlyThose() {
        event("mine", args("rate-limiter", limiter, "tollgate.replenishRate", "1", "tollgate.burstCapacity", "2"));
        event("other", args("rate-limiter", new Object(), "tollgate.replenishRate", "1"));
        event("not-a-rate-limiter", args("name", "X-Foo", "value", "bar"));
        assertThat(allowedInARow("mine", "alice", 5)).isEqualTo(2);
        assertThat(ask("mine", "alice").getHeaders()).containsEntry("RateLimit-Policy", "\"mine\";q=2;w=2")
                .containsEntry("Retry-After", "1");
        assertThatThrownBy(() -> ask("other", "alice")).hasMessageContaining("No Tollgate settings for gateway route"
                + " \"other\"");
        assertThatThrownBy(() -> ask("not-a-rate-limiter", "alice")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void asTheFiltersDefaultItTakesFiltersWithTollgateSettingsButNoRateLimiter() {
        event("implicit", args("tollgate.replenishRate", "1", "tollgate.burstCapacity", "1"));
        assertThatThrownBy(() -> ask("implicit", "a")).isInstanceOf(IllegalStateException.class); // not the default
        defaultLimiter.set(limiter);
        event("implicit", args("tollgate.replenishRate", "1", "tollgate.burstCapacity", "1"));
        event("no-settings", args("name", "X-Foo")); // any other filter's event
        assertThat(allowedInARow("implicit", "a", 3)).isEqualTo(1);
        assertThatThrownBy(() -> ask("no-settings", "a")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void badSettingsInAnEventFailThatRoute() {
        assertThatThrownBy(() -> event("dynamic", args("rate-limiter", limiter, "tollgate.rule", "nope")))
                .isInstanceOf(TollgateRouteException.class).hasMessageContaining("Route \"dynamic\"")
                .hasMessageContaining("tollgate.rule = \"nope\"");
    }

    @Test
    void aRuleRouteFollowsReloadsAndKeepsItsLastVersionWhenTheRuleDisappears() {
        event("login", args("rate-limiter", limiter, "tollgate.rule", "login"));
        assertThat(allowedInARow("login", "a", 10)).isEqualTo(3);
        rules.set(rules(5)); // a new spec: a bucket of its own
        assertThat(allowedInARow("login", "a", 10)).isEqualTo(5);
        rules.set(RuleSet.of(List.of()));
        assertThat(ask("login", "a").isAllowed()).isFalse(); // still limited by the last version
        assertThat(allowedInARow("login", "b", 10)).isEqualTo(5);
    }

    @Test
    void routesConfiguredInCodeAreCheckedOnFirstUse() {
        limiter.getConfig().put("java", new TollgateRateLimiter.Config().setReplenishRate(BigDecimal.ONE)
                .setBurstCapacity(2L));
        assertThat(allowedInARow("java", "a", 5)).isEqualTo(2);
        limiter.getConfig().put("java-bad", new TollgateRateLimiter.Config().setReplenishRate(BigDecimal.ONE)
                .setRule("login"));
        assertThatThrownBy(() -> ask("java-bad", "a")).isInstanceOf(TollgateRouteException.class)
                .hasMessageContaining("rule");
    }

    @Test
    void thePassThroughLimiterAllowsEverythingWithoutHeaders() {
        TollgateRateLimiter off = TollgateRateLimiter.passThrough();
        assertThat(off.enabled()).isFalse();
        off.onApplicationEvent(new FilterArgsEvent(this, "r", args("rate-limiter", off, "tollgate.rule", "nope")));
        Response r = off.isAllowed("r", "a").block(Duration.ofSeconds(5));
        assertThat(r.isAllowed()).isTrue();
        assertThat(r.getHeaders()).isEmpty();
    }
}
