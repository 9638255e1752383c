package io.tollgate.spring;

import io.micrometer.core.instrument.MeterRegistry;
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
}
