package io.tollgate.spring;

import io.tollgate.core.limiter.StoreChain;
import io.tollgate.redis.RedisConnectionSettings;
import io.tollgate.spring.observe.TollgateHealthIndicator;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code tollgate} health contributor, when Spring Boot's health support is present ({@code management.health.
 * tollgate.enabled=false} turns it off). It pings the store through the chain within the worst-case call budget.
 */
@AutoConfiguration(after = TollgateAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(StoreChain.class)
@ConditionalOnEnabledHealthIndicator("tollgate")
public class TollgateHealthAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "tollgateHealthIndicator")
    public TollgateHealthIndicator tollgateHealthIndicator(StoreChain chain, TollgateProperties props,
                                                           ObjectProvider<RedisConnectionSettings> redis) {
        return new TollgateHealthIndicator(chain, RedisSettings.callBudget(props.getRedis(), redis.getIfAvailable()));
    }
}
