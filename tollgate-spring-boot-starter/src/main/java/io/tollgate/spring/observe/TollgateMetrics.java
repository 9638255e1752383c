package io.tollgate.spring.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tollgate.core.limiter.LimiterListener;
import io.tollgate.core.limiter.Outcome;
import io.tollgate.core.limiter.StoreChain;
import io.tollgate.core.limiter.Verdict;
import io.tollgate.core.rules.FailurePolicy;
import io.tollgate.core.resilience.CircuitBreaker;
import io.tollgate.core.resilience.DenyCachingBucketStore;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Micrometer metrics for every verdict:
 * <ul>
 *   <li>{@code tollgate.decisions} (counter), tags {@code rule}, {@code outcome} (allowed, denied, shadow_denied,
 *       error, shed) and {@code policy} ({@code none}, or the failure policy applied on error: fail-open,
 *       fail-open-unbounded, fail-closed, local). {@code shed} (store overloaded, answered 503) always has
 *       {@code policy=none}: no failure policy applies to it;</li>
 *   <li>{@code tollgate.store.latency} (timer), tag {@code store} ({@code memory} or {@code redis}): time waiting for
 *       the store.</li>
 * </ul>
 * Tag values are bounded: rule names come from configuration, the rest from enums. Meters are cached so the hot path
 * does one map lookup and no allocation beyond the key.
 */
public final class TollgateMetrics implements LimiterListener {

    public static final String DECISIONS = "tollgate.decisions";
    public static final String STORE_LATENCY = "tollgate.store.latency";

    private final MeterRegistry registry;
    private final Timer storeLatency;
    private static final int POLICIES = FailurePolicy.values().length + 1;
    private static final Outcome[] OUTCOMES = Outcome.values();

    /** Rule name to counters indexed by outcome and policy: no string building per verdict. */
    private final ConcurrentHashMap<String, Counter[]> counters = new ConcurrentHashMap<>();

    public TollgateMetrics(MeterRegistry registry, String storeType) {
        this.registry = registry;
        this.storeLatency = Timer.builder(STORE_LATENCY).description("Time spent waiting for the rate-limit store")
                .tag("store", storeType).register(registry);
    }

    /**
     * Also registers the chain's layers, those it has: {@code tollgate.breaker.state} (0 closed, 1 open, 2 half-open),
     * {@code tollgate.breaker.opened} (times opened), {@code tollgate.deny_cache.local_denials} (denials served without
     * a store call) and {@code tollgate.deny_cache.size}.
     */
    public TollgateMetrics(MeterRegistry registry, StoreChain chain) {
        this(registry, chain.distributed() ? "redis" : "memory");
        chain.breaker().ifPresent(cb -> {
            Gauge.builder("tollgate.breaker.state", cb, c -> c.state().ordinal())
                    .description("Circuit breaker state around the store: 0 closed, 1 open, 2 half-open")
                    .register(registry);
            FunctionCounter.builder("tollgate.breaker.opened", cb, CircuitBreaker::timesOpened)
                    .description("Times the circuit breaker opened").register(registry);
        });
        chain.denyCache().ifPresent(cache -> {
            FunctionCounter.builder("tollgate.deny_cache.local_denials", cache, DenyCachingBucketStore::localDenials)
                    .description("Denials answered from the local deny cache without a store call").register(registry);
            Gauge.builder("tollgate.deny_cache.size", cache, DenyCachingBucketStore::size)
                    .description("Entries in the local deny cache").register(registry);
        });
    }

    @Override
    public void onVerdict(Verdict v) {
        String rule = v.rule().name();
        Counter[] byOutcome = counters.get(rule);
        if (byOutcome == null) {
            byOutcome = counters.computeIfAbsent(rule, r -> new Counter[OUTCOMES.length * POLICIES]);
        }
        int i = v.outcome().ordinal() * POLICIES + (v.policyApplied() == null ? 0 : v.policyApplied().ordinal() + 1);
        Counter c = byOutcome[i];
        if (c == null) {
            // registering is idempotent in Micrometer, so a race here only registers the same meter twice
            String policy = v.policyApplied() == null ? "none" : v.policyApplied().label();
            c = Counter.builder(DECISIONS).description("Rate-limit decisions").tag("rule", rule)
                    .tag("outcome", v.outcome().tag()).tag("policy", policy).register(registry);
            byOutcome[i] = c;
        }
        c.increment();
        storeLatency.record(v.storeNanos(), TimeUnit.NANOSECONDS);
    }
}
