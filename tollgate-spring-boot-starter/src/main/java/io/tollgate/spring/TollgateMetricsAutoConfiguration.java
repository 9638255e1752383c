package io.tollgate.spring;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.core.limiter.RateLimiter;
import io.tollgate.core.limiter.StoreChain;
import io.tollgate.spring.observe.TollgateMetrics;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;

/**
 * Tollgate's meters ({@code tollgate.decisions}, latency, breaker and deny-cache gauges), when Micrometer is present
 * and the application has a {@link MeterRegistry}. The meters hear every verdict as a limiter listener.
 */
@AutoConfiguration(after = TollgateAutoConfiguration.class, afterName = {
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"})
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnSingleCandidate(MeterRegistry.class)
@ConditionalOnBean(StoreChain.class)
public class TollgateMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    public TollgateMetrics tollgateMetrics(MeterRegistry registry, StoreChain chain) {
        return new TollgateMetrics(registry, chain);
    }

    /**
     * {@code tollgate_after_response_failures_total}: count-after-response consumptions the store could not take
     * (logged, never the client's problem; under fail-open the local bucket took them).
     */
    @Bean
    @ConditionalOnBean(RateLimiter.class)
    public FunctionCounter tollgateAfterResponseFailures(MeterRegistry registry, RateLimiter limiter) {
        return FunctionCounter.builder("tollgate.after_response.failures", limiter, RateLimiter::afterResponseFailures)
                .description("Count-after-response consumptions the store could not take").register(registry);
    }
}
