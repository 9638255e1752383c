package io.tollgate.spring.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.core.limiter.RateLimitExceededException;

import io.tollgate.spring.TollgateAutoConfiguration;
import io.tollgate.spring.TollgateRedisAutoConfiguration;
import io.tollgate.spring.annotation.RateLimitedAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The README's annotation example works as its comments say. */
class PartnerClientTest {

    @Test
    void theReadmeExampleLimitsAndExplains() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(TollgateRedisAutoConfiguration.class,
                        TollgateAutoConfiguration.class, RateLimitedAutoConfiguration.class, AopAutoConfiguration.class))
                .withPropertyValues("tollgate.rules.partner-api.capacity=5", "tollgate.rules.partner-api.refill-rate=1",
                        "tollgate.rules.partner-api.period=minute")
                .withBean(PartnerClient.class)
                .run(ctx -> {
                    PartnerClient client = ctx.getBean(PartnerClient.class);
                    assertThat(client.fetchPages("acme", 5).block()).isEqualTo("5 pages for acme");
                    assertThatThrownBy(() -> client.fetchPages("acme", 1).block())
                            .isInstanceOfSatisfying(RateLimitExceededException.class,
                                    e -> assertThat(e.retryAfter()).isPositive());
                    assertThat(client.fetch("globex")).isEqualTo("data for globex");
                });
    }
}
