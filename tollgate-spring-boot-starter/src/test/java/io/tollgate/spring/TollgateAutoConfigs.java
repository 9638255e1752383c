package io.tollgate.spring;

import org.springframework.boot.autoconfigure.AutoConfigurations;

/** Every Tollgate auto-configuration that is not about a web server, for context-runner tests. */
final class TollgateAutoConfigs {

    static final AutoConfigurations ALL = AutoConfigurations.of(TollgateRedisAutoConfiguration.class,
            TollgateAutoConfiguration.class, TollgateMetricsAutoConfiguration.class,
            TollgateHealthAutoConfiguration.class);

    private TollgateAutoConfigs() {
    }
}
