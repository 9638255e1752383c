package io.tollgate.spring.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.limiter.Outcome;
import io.tollgate.core.limiter.StoreChain;
import io.tollgate.core.limiter.Verdict;
import io.tollgate.core.resilience.CircuitBreaker;
import io.tollgate.core.rules.FailurePolicy;
import io.tollgate.core.rules.Rule;
import io.tollgate.core.store.InMemoryBucketStore;
import io.tollgate.core.store.MicrosClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

class TollgateMetricsTest {

    private static final Rule RULE = Rule.builder("api").spec(BucketSpec.of(Limit.of(20, 5, RefillPeriod.SECOND))).build();

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final TollgateMetrics metrics = new TollgateMetrics(registry, "redis");

    private double count(String outcome, String policy) {
        var c = registry.find(TollgateMetrics.DECISIONS).tags("rule", "api", "outcome", outcome, "policy", policy).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void shedRequestsAreCountedWithoutAPolicy() {
        metrics.onVerdict(new Verdict(RULE, "k", Outcome.SHED, null, null, 0));
        metrics.onVerdict(new Verdict(RULE, "k", Outcome.SHED, null, null, 0));
        assertThat(count("shed", "none")).isEqualTo(2);
        assertThat(count("error", "fail-open")).isZero();
    }

    @Test
    void everyFailurePolicyHasItsOwnTag() {
        for (FailurePolicy p : FailurePolicy.values()) {
            metrics.onVerdict(new Verdict(RULE, "k", Outcome.ERROR, null, p, 0));
        }
        assertThat(count("error", "fail-open")).isEqualTo(1);
        assertThat(count("error", "fail-open-unbounded")).isEqualTo(1);
        assertThat(count("error", "fail-closed")).isEqualTo(1);
        assertThat(count("error", "local")).isEqualTo(1);
    }

    // ---- the chain's layers ---------------------------------------------------------------------------------------

    private final FlakyStore flaky = new FlakyStore();
    private final CircuitBreaker breaker = new CircuitBreaker("test", 1, Duration.ofMinutes(1), MicrosClock.MONOTONIC,
            null);
    private final StoreChain layered = StoreChain.around(flaky).breaker(breaker).denyCache(50).leases().build();

    private static double gauge(SimpleMeterRegistry r, String name) {
        return r.get(name).gauge().value();
    }

    @Test
    void metricsFindTheBreakerAndTheDenyCacheThroughTheChain() {
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        new TollgateMetrics(r, layered);
        assertThat(r.get(TollgateMetrics.STORE_LATENCY).timer().getId().getTag("store")).isEqualTo("redis");
        assertThat(gauge(r, "tollgate.breaker.state")).isZero();
        // a denial the store gave is cached, and the next one is served locally
        BucketSpec one = BucketSpec.of(Limit.of(1, 1, RefillPeriod.MINUTE));
        layered.tryConsume("k", one, 1, false).toCompletableFuture().join();
        layered.tryConsume("k", one, 1, false).toCompletableFuture().join();
        layered.tryConsume("k", one, 1, false).toCompletableFuture().join();
        assertThat(gauge(r, "tollgate.deny_cache.size")).isEqualTo(1);
        assertThat(r.get("tollgate.deny_cache.local_denials").functionCounter().count()).isEqualTo(1);

        flaky.down = true;
        layered.tryConsume("other", one, 1, false).toCompletableFuture().exceptionally(e -> null).join();
        assertThat(gauge(r, "tollgate.breaker.state")).isEqualTo(CircuitBreaker.State.OPEN.ordinal());
        assertThat(r.get("tollgate.breaker.opened").functionCounter().count()).isEqualTo(1);
    }

    @Test
    void aChainWithoutLayersRegistersNoLayerMeters() {
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        new TollgateMetrics(r, StoreChain.around(new InMemoryBucketStore()).build());
        assertThat(r.find(TollgateMetrics.STORE_LATENCY).tag("store", "memory").timer()).isNotNull();
        assertThat(r.find("tollgate.breaker.state").gauge()).isNull();
        assertThat(r.find("tollgate.deny_cache.size").gauge()).isNull();
    }

    @Test
    void healthPingsThroughTheChainAndShowsTheBreaker() {
        TollgateHealthIndicator health = new TollgateHealthIndicator(layered, Duration.ofSeconds(1));
        Health up = health.health();
        assertThat(up.getStatus()).isEqualTo(Status.UP);
        assertThat(up.getDetails()).containsEntry("circuit", "closed").containsEntry("distributed", true);
        assertThat((String) up.getDetails().get("store")).contains("flaky", "[deny cache 0/50]", "with token leases");

        flaky.down = true;
        assertThat(health.health().getStatus()).isEqualTo(Status.DOWN); // this failed ping opens the breaker
        Health open = health.health();
        assertThat(open.getDetails()).containsEntry("circuit", "open").containsEntry("error", "CircuitOpenException");
        assertThat(flaky.pings).isEqualTo(2); // the second ping was refused by the open breaker
    }

    @Test
    void healthOfALocalStoreHasNoCircuit() {
        Health h = new TollgateHealthIndicator(StoreChain.around(new InMemoryBucketStore()).build(),
                Duration.ofSeconds(1)).health();
        assertThat(h.getStatus()).isEqualTo(Status.UP);
        assertThat(h.getDetails()).doesNotContainKey("circuit").containsEntry("distributed", false);
    }
}
