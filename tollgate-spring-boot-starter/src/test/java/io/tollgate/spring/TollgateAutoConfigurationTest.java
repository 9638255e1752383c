package io.tollgate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.limiter.Outcome;
import io.tollgate.core.limiter.RateLimiter;
import io.tollgate.core.limiter.StoreChain;
import io.tollgate.core.limiter.Verdict;
import io.tollgate.core.rules.Rule;
import io.tollgate.core.rules.RuleSetSource;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.InMemoryBucketStore;
import io.tollgate.spring.observe.TollgateHealthIndicator;
import io.tollgate.spring.web.RequestGate;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Bean wiring, replacement and startup failures, without a web server. */
class TollgateAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(TollgateAutoConfigs.ALL);

    private static String failure(org.springframework.boot.test.context.assertj.AssertableApplicationContext ctx) {
        Throwable t = ctx.getStartupFailure();
        StringBuilder sb = new StringBuilder();
        for (; t != null; t = t.getCause()) {
            sb.append(t.getMessage()).append('\n');
        }
        return sb.toString();
    }

    private static TollgateConfigurationException configFailure(
            org.springframework.boot.test.context.assertj.AssertableApplicationContext ctx) {
        for (Throwable t = ctx.getStartupFailure(); t != null; t = t.getCause()) {
            if (t instanceof TollgateConfigurationException e) {
                return e;
            }
        }
        throw new AssertionError("no TollgateConfigurationException in " + ctx.getStartupFailure());
    }

    @Test
    void defaultsGiveAnInMemoryStoreAndTheBuiltInRule() {
        runner.run(ctx -> {
            assertThat(ctx).hasNotFailed().hasSingleBean(RateLimiter.class).hasSingleBean(RequestGate.class)
                    .hasSingleBean(TollgateHealthIndicator.class);
            assertThat(ctx.getBean(BucketStore.class)).isInstanceOf(InMemoryBucketStore.class);
            Rule def = ctx.getBean(RuleSetSource.class).current().defaultRule().orElseThrow();
            assertThat(def.spec().spec()).isEqualTo("20@5/second");
            assertThat(ctx.getBean(TollgateHealthIndicator.class).health().getStatus()).isEqualTo(Status.UP);
        });
    }

    @Test
    void disabledMeansNoBeans() {
        runner.withPropertyValues("tollgate.enabled=false").run(ctx -> assertThat(ctx).doesNotHaveBean(RateLimiter.class));
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnStore {
        @Bean
        BucketStore myStore() {
            return new InMemoryBucketStore();
        }
    }

    @Test
    void userBeansReplaceTheDefaults() {
        runner.withUserConfiguration(OwnStore.class).run(ctx -> {
            assertThat(ctx).hasSingleBean(BucketStore.class).hasSingleBean(StoreChain.class);
            assertThat(ctx.getBean(RateLimiter.class).chain().store()).isSameAs(ctx.getBean("myStore"));
            assertThat(ctx.getBean(RateLimiter.class).chain()).isSameAs(ctx.getBean(StoreChain.class));
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnChain {
        @Bean
        StoreChain myChain() {
            return StoreChain.around(new InMemoryBucketStore()).build();
        }
    }

    @Test
    void aUserChainReplacesTheDefaultOne() {
        runner.withUserConfiguration(OwnChain.class).run(ctx -> {
            assertThat(ctx).hasNotFailed().hasSingleBean(StoreChain.class);
            assertThat(ctx.getBean(RateLimiter.class).chain()).isSameAs(ctx.getBean("myChain"));
        });
    }

    @Test
    void theInMemoryStoreGetsNoLayers() {
        runner.run(ctx -> {
            StoreChain chain = ctx.getBean(StoreChain.class);
            assertThat(chain.store()).isSameAs(ctx.getBean(BucketStore.class));
            assertThat(chain.breaker()).isEmpty();
            assertThat(chain.denyCache()).isEmpty();
            assertThat(chain.leases()).isEmpty();
        });
    }

    @Test
    void badCidrFailsStartupNamingPropertyAndValue() {
        runner.withPropertyValues("tollgate.trusted-proxies=10.0.0.0/8,10.0.0.0/33").run(ctx -> {
            assertThat(ctx).hasFailed();
            TollgateConfigurationException e = configFailure(ctx);
            assertThat(e.property()).isEqualTo("tollgate.trusted-proxies[1]");
            assertThat(e.getMessage()).contains("10.0.0.0/33");
            FailureAnalysis analysis = new TollgateConfigurationFailureAnalyzer().analyze(ctx.getStartupFailure());
            assertThat(analysis.getDescription()).contains("tollgate.trusted-proxies[1]", "10.0.0.0/33");
            assertThat(analysis.getAction()).contains("tollgate.trusted-proxies[1]");
        });
    }

    @Test
    void unknownPolicyFailsStartupNamingProperty() {
        runner.withPropertyValues("tollgate.failure-policy=fail-sideways").run(ctx -> {
            assertThat(ctx).hasFailed();
            assertThat(failure(ctx)).contains("tollgate.failure-policy", "fail-sideways");
        });
    }

    @Test
    void negativeTimeoutAndBadRulesFailStartup() {
        runner.withPropertyValues("tollgate.store=redis", "tollgate.redis.timeout=-5ms").run(ctx ->
                assertThat(configFailure(ctx).property()).isEqualTo("tollgate.redis.timeout"));
        runner.withPropertyValues("tollgate.redis.timeout=-1s").run(ctx -> // even with the in-memory store
                assertThat(configFailure(ctx).property()).isEqualTo("tollgate.redis.timeout"));
        runner.withPropertyValues("tollgate.rules.api.capacity=-5", "tollgate.rules.api.refill-rate=1").run(ctx ->
                assertThat(configFailure(ctx).property()).isEqualTo("tollgate.rules.api.capacity"));
        runner.withPropertyValues("tollgate.rules.api.capacity=5", "tollgate.rules.api.refill-rate=1",
                "tollgate.rules.api.key=cookie:x").run(ctx ->
                assertThat(configFailure(ctx).property()).isEqualTo("tollgate.rules.api.key[0]"));
        runner.withPropertyValues("tollgate.rules-file=/nonexistent/rate_limits.json").run(ctx -> {
            assertThat(configFailure(ctx).property()).isEqualTo("tollgate.rules-file");
            assertThat(configFailure(ctx).getMessage()).contains("file not found");
        });
        runner.withPropertyValues("tollgate.client.ipv6-prefix=200").run(ctx ->
                assertThat(configFailure(ctx).property()).isEqualTo("tollgate.client.ipv6-prefix"));
    }

    @Test
    void unreachableRedisFailsStartupWithoutShowingThePassword() {
        runner.withPropertyValues("tollgate.redis.url=redis://:s3cret-pw@127.0.0.1:1",
                "tollgate.redis.connect-timeout=300ms").run(ctx -> {
            TollgateConfigurationException e = configFailure(ctx);
            assertThat(e.property()).isEqualTo("tollgate.redis");
            assertThat(e.getMessage()).contains("127.0.0.1:1", "unreachable").doesNotContain("s3cret-pw");
            assertThat(failure(ctx)).doesNotContain("s3cret-pw");
        });
    }

    @Test
    void unreachableRedisNotRequiredStartsAndFailsOpen() {
        runner.withPropertyValues("tollgate.redis.url=redis://:s3cret-pw@127.0.0.1:1",
                "tollgate.redis.connect-timeout=300ms", "tollgate.redis.required-at-startup=false").run(ctx -> {
            assertThat(ctx).hasNotFailed();
            RateLimiter limiter = ctx.getBean(RateLimiter.class);
            Rule rule = ctx.getBean(RuleSetSource.class).current().defaultRule().orElseThrow();
            Verdict v = limiter.check(rule, "ip:192.0.2.1").toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(v.outcome()).isEqualTo(Outcome.ERROR);
            assertThat(v.permitted()).isTrue();
            var health = ctx.getBean(TollgateHealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails().toString()).doesNotContain("s3cret-pw");
        });
    }
}
