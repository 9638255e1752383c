package io.tollgate.spring.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tollgate.core.limiter.LimiterListener;
import io.tollgate.core.limiter.Verdict;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Micrometer metrics for every verdict:
 * <ul>
 *   <li>{@code tollgate.decisions} (counter), tags {@code rule}, {@code outcome} (allowed, denied, shadow_denied,
 *       error) and {@code policy} ({@code none}, or the failure policy applied on error);</li>
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
    private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();

    public TollgateMetrics(MeterRegistry registry, String storeType) {
        this.registry = registry;
        this.storeLatency = Timer.builder(STORE_LATENCY).description("Time spent waiting for the rate-limit store")
                .tag("store", storeType).register(registry);
    }

    @Override
    public void onVerdict(Verdict v) {
        String policy = v.policyApplied() == null ? "none" : v.policyApplied().label();
        String rule = v.rule().name();
        String outcome = v.outcome().tag();
        counters.computeIfAbsent(rule + '\0' + outcome + '\0' + policy, k -> Counter.builder(DECISIONS)
                .description("Rate-limit decisions").tag("rule", rule).tag("outcome", outcome).tag("policy", policy)
                .register(registry)).increment();
        storeLatency.record(v.storeNanos(), TimeUnit.NANOSECONDS);
    }
}
