package io.tollgate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.NettyCustomizer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.Channel;
import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.limiter.Outcome;
import io.tollgate.core.limiter.RateLimiter;
import io.tollgate.core.limiter.StoreChain;
import io.tollgate.core.rules.Rule;
import io.tollgate.core.rules.RuleSetSource;
import io.tollgate.core.store.BucketCall;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.InMemoryBucketStore;
import io.tollgate.redis.RedisBucketStore;
import io.tollgate.redis.RedisConnectionSettings;
import io.tollgate.spring.observe.TollgateHealthIndicator;
import io.tollgate.spring.observe.TollgateMetrics;
import io.tollgate.spring.web.RequestGate;
import io.tollgate.testsupport.redis.RedisServer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** One auto-configuration per concern: each appears exactly when its condition holds, and the Redis one shares. */
class AutoConfigurationConcernsTest {

    private static RedisServer redis;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(TollgateAutoConfigs.ALL);

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stop() {
        if (redis != null) {
            redis.close();
        }
    }

    private String url() {
        return "tollgate.redis.url=" + redis.url();
    }

    private static Outcome check(AssertableApplicationContext ctx) throws Exception {
        Rule rule = ctx.getBean(RuleSetSource.class).current().defaultRule().orElseThrow();
        return ctx.getBean(RateLimiter.class).check(rule, "ip:192.0.2.7").toCompletableFuture()
                .get(5, TimeUnit.SECONDS).outcome();
    }

    @Test
    void theRedisStoreRunsOnTheApplicationsClientResources() {
        runner.withUserConfiguration(AppClientResources.class).withPropertyValues(url()).run(ctx -> {
            assertThat(ctx).hasNotFailed().hasSingleBean(ClientResources.class)
                    .doesNotHaveBean("tollgateClientResources");
            assertThat(check(ctx)).isEqualTo(Outcome.ALLOWED);
            // the store's channel was made by the application's resources: their customizer saw it
            assertThat(ctx.getBean(AppClientResources.class).channels.get()).isPositive();
            assertThat(ctx.getBean(StoreChain.class).store()).isInstanceOf(RedisBucketStore.class);
        });
    }

    @Test
    void withoutApplicationResourcesOursAreABeanWithTheReplyWatch() {
        runner.withPropertyValues(url()).run(ctx -> {
            assertThat(ctx).hasNotFailed().hasBean("tollgateClientResources")
                    .hasSingleBean(RedisConnectionSettings.class);
            assertThat(ctx.getBean(ClientResources.class).nettyCustomizer()).isSameAs(RedisBucketStore.NETTY_CUSTOMIZER);
            assertThat(check(ctx)).isEqualTo(Outcome.ALLOWED);
        });
    }

    @Test
    void noRedisBeansWithoutARedisAddressOrWithTheMemoryStore() {
        runner.run(ctx -> {
            assertThat(ctx).hasNotFailed().doesNotHaveBean(ClientResources.class)
                    .doesNotHaveBean(RedisConnectionSettings.class).doesNotHaveBean(StoreWarmup.class);
            assertThat(ctx.getBean(StoreChain.class).store()).isInstanceOf(InMemoryBucketStore.class);
        });
        runner.withPropertyValues(url(), "tollgate.store=memory").run(ctx -> {
            assertThat(ctx).hasNotFailed().doesNotHaveBean(ClientResources.class);
            assertThat(ctx.getBean(StoreChain.class).store()).isInstanceOf(InMemoryBucketStore.class);
        });
    }

    @Test
    void metricsOnlyWithAMeterRegistry() {
        runner.run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(TollgateMetrics.class));
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(ctx -> {
            assertThat(ctx).hasNotFailed().hasSingleBean(TollgateMetrics.class);
            assertThat(check(ctx)).isEqualTo(Outcome.ALLOWED);
            assertThat(ctx.getBean(MeterRegistry.class).find("tollgate.decisions").counter().count()).isEqualTo(1);
        });
    }

    @Test
    void theHealthIndicatorCanBeTurnedOff() {
        runner.run(ctx -> assertThat(ctx).hasSingleBean(TollgateHealthIndicator.class));
        runner.withPropertyValues("management.health.tollgate.enabled=false")
                .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(TollgateHealthIndicator.class)
                        .hasSingleBean(RateLimiter.class));
    }

    @Test
    void theHealthBudgetComesFromTheConnectionDetailsBeanInForce() {
        // An application's own connection details (50 ms silence, 100 ms overload): the health check waits for
        // those plus the 250 ms margin, not for the 2 s default the properties alone would give.
        RedisConnectionSettings mine = RedisConnectionSettings.fromUrl(redis.url() + "?timeout=50ms&overloadTimeout=100ms");
        runner.withBean(RedisConnectionSettings.class, () -> mine).withBean(BucketStore.class, SilentStore::new)
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    var health = ctx.getBean(TollgateHealthIndicator.class).health();
                    assertThat(health.getDetails().get("error")).isEqualTo("no answer within 400 ms");
                });
    }

    @Test
    void disabledMeansNoBeansAtAll() {
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withPropertyValues("tollgate.enabled=false", url()).run(ctx -> assertThat(ctx).hasNotFailed()
                        .doesNotHaveBean(RateLimiter.class).doesNotHaveBean(RequestGate.class)
                        .doesNotHaveBean(TollgateMetrics.class).doesNotHaveBean(TollgateHealthIndicator.class)
                        .doesNotHaveBean(ClientResources.class).doesNotHaveBean(StoreChain.class));
    }

    /** A shared store that never answers. */
    static final class SilentStore implements BucketStore {
        @Override
        public CompletionStage<Decision> tryConsume(String bucketKey, BucketSpec spec, long cost) {
            return new CompletableFuture<>();
        }

        @Override
        public CompletionStage<List<Decision>> tryConsumeAll(List<BucketCall> calls) {
            return new CompletableFuture<>();
        }

        @Override
        public CompletionStage<Void> ping() {
            return new CompletableFuture<>();
        }

        @Override
        public String describe() {
            return "silent";
        }

        @Override
        public boolean distributed() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    /** An application's own Lettuce resources, as Spring Data Redis would define them, with a customizer of its own. */
    @Configuration(proxyBeanMethods = false)
    static class AppClientResources {

        final AtomicInteger channels = new AtomicInteger();

        @Bean(destroyMethod = "shutdown")
        ClientResources appClientResources() {
            return DefaultClientResources.builder().nettyCustomizer(new NettyCustomizer() {
                @Override
                public void afterChannelInitialized(Channel channel) {
                    channels.incrementAndGet();
                }
            }).build();
        }
    }
}
