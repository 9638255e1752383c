package io.tollgate.server.envoy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.core.rules.FailurePolicy;
import io.tollgate.envoy.config.EnvoyConfigWatcher;
import io.tollgate.envoy.service.EnvoyLimiterListener;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Envoy service's Prometheus metrics, envoyproxy/ratelimit's stats under Tollgate names:
 * <ul>
 *   <li>{@code tollgate_envoy_hits_total{domain, descriptor, kind}}: hits per configured descriptor path, {@code kind}
 *       one of {@code total_hits}, {@code within_limit}, {@code over_limit}, {@code near_limit},
 *       {@code shadow_mode}. The descriptor is the configured path, so the series are bounded by the files; only a
 *       rule with {@code detailed_metric} (and a route's own limit override) names the request's values.</li>
 *   <li>{@code tollgate_envoy_requests_total{code, degraded}}: answers by overall code ({@code ok}, {@code over_limit})
 *       and the failure policy that answered instead of the store ({@code none}, {@code shed}, or the policy).</li>
 *   <li>{@code tollgate_envoy_domain_not_found_total}: requests for a domain no file defines (no domain tag, as the
 *       caller chooses it).</li>
 *   <li>{@code tollgate_envoy_config_load_success_total}, {@code tollgate_envoy_config_load_error_total},
 *       {@code tollgate_envoy_config_domains}, {@code tollgate_envoy_global_shadow_mode}.</li>
 * </ul>
 * Counters are cached per series, so a decision costs map lookups, no registry search.
 */
final class EnvoyMetrics implements EnvoyLimiterListener {

    private record HitKey(String domain, String descriptor) {
    }

    private record HitCounters(Counter total, Counter within, Counter over, Counter near, Counter shadow) {
    }

    private final MeterRegistry registry;
    private final ConcurrentHashMap<HitKey, HitCounters> hits = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> requests = new ConcurrentHashMap<>();
    private final Counter domainNotFound;

    EnvoyMetrics(MeterRegistry registry, EnvoyConfigWatcher watcher, boolean globalShadowMode) {
        this.registry = registry;
        this.domainNotFound = Counter.builder("tollgate.envoy.domain.not.found")
                .description("Envoy rate-limit requests for a domain no configuration file defines").register(registry);
        FunctionCounter.builder("tollgate.envoy.config.load.success", watcher, EnvoyConfigWatcher::loadSuccesses)
                .description("Configuration sets loaded (the first one included)").register(registry);
        FunctionCounter.builder("tollgate.envoy.config.load.error", watcher, EnvoyConfigWatcher::loadErrors)
                .description("Configuration changes rejected; the configuration in force was kept").register(registry);
        Gauge.builder("tollgate.envoy.config.domains", watcher, w -> w.current().domainNames().size())
                .description("Domains in the configuration in force").register(registry);
        Gauge.builder("tollgate.envoy.global.shadow.mode", () -> globalShadowMode ? 1 : 0)
                .description("1 when SHADOW_MODE answers every request OK").register(registry);
    }

    @Override
    public void onDescriptor(String domain, String statsKey, long hitCount, boolean overLimit, boolean shadow,
                             boolean nearLimit) {
        HitCounters c = hits.computeIfAbsent(new HitKey(domain, statsKey), this::register);
        c.total.increment(hitCount);
        if (overLimit) {
            c.over.increment(hitCount);
            if (shadow) {
                c.shadow.increment(hitCount);
            }
        } else {
            c.within.increment(hitCount);
            if (nearLimit) {
                c.near.increment(hitCount);
            }
        }
    }

    @Override
    public void onRequest(String domain, boolean domainFound, boolean overLimit, FailurePolicy degraded, boolean shed) {
        if (!domainFound) {
            domainNotFound.increment();
        }
        String code = overLimit ? "over_limit" : "ok";
        String how = shed ? "shed" : degraded == null ? "none" : degraded.label();
        requests.computeIfAbsent(code + '|' + how, k -> Counter.builder("tollgate.envoy.requests")
                .description("Envoy rate-limit answers by overall code and by what answered when the store could not")
                .tag("code", code).tag("degraded", how).register(registry)).increment();
    }

    private HitCounters register(HitKey k) {
        return new HitCounters(hit(k, "total_hits"), hit(k, "within_limit"), hit(k, "over_limit"),
                hit(k, "near_limit"), hit(k, "shadow_mode"));
    }

    private Counter hit(HitKey k, String kind) {
        return Counter.builder("tollgate.envoy.hits")
                .description("Hits per configured Envoy descriptor, as envoyproxy/ratelimit's per-descriptor stats")
                .tag("domain", k.domain()).tag("descriptor", k.descriptor()).tag("kind", kind).register(registry);
    }
}
