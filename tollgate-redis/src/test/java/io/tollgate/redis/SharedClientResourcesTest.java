package io.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.testsupport.redis.RedisServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link RedisBucketStore#sharing}: a store on an application's Lettuce resources runs on the application's event
 * loops (one Netty pool per process), keeps the application's own customizer, adds the reply watch, and leaves the
 * application's resources running when it shuts its own down.
 */
class SharedClientResourcesTest {

    @Test
    void runsOnTheApplicationsPoolWithItsCustomizerAndTheReplyWatch() throws Exception {
        AtomicInteger theirChannels = new AtomicInteger();
        ClientResources app = DefaultClientResources.builder().nettyCustomizer(new NettyCustomizer() {
            @Override
            public void afterChannelInitialized(Channel channel) {
                theirChannels.incrementAndGet();
            }
        }).build();
        try (RedisServer redis = RedisServer.start()) {
            ClientResources ours = RedisBucketStore.sharing(app);
            assertThat(ours.eventLoopGroupProvider()).isSameAs(app.eventLoopGroupProvider());
            assertThat(ours.eventExecutorGroup()).isSameAs(app.eventExecutorGroup());
            assertThat(ours.nettyCustomizer()).isInstanceOf(ReplyWatch.class);
            // sharing twice does not stack a second watch
            assertThat(RedisBucketStore.sharing(ours).nettyCustomizer()).isSameAs(ours.nettyCustomizer());

            RedisConnectionSettings settings = HarnessSettings.of(redis).withTimeout(Duration.ofSeconds(2));
            try (RedisBucketStore store = RedisBucketStore.connect(settings, ours, null)) {
                BucketSpec spec = BucketSpec.of(Limit.of(2, 1, RefillPeriod.MINUTE));
                assertThat(store.tryConsume("k", spec, 1).toCompletableFuture().get(5, TimeUnit.SECONDS).allowed())
                        .isTrue();
                assertThat(theirChannels.get()).isPositive(); // the application's customizer saw our channel
                assertThat(store.describe()).contains("standalone");
            }
            ours.shutdown().get(10, TimeUnit.SECONDS);
            assertThat(app.eventExecutorGroup().isShuttingDown()).isFalse();
        } finally {
            app.shutdown().get(10, TimeUnit.SECONDS);
        }
    }
}
