package io.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;
import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.store.StoreOverloadedException;
import io.tollgate.core.store.StoreTimeoutException;
import io.tollgate.testsupport.redis.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The store's deadline measures Redis, not this process: a blocked event loop or a reply waiting to be read never
 * fails a call, a frozen Redis does within the timeout, and a long queue in front of a live Redis is shed as overload.
 */
class RedisReplyDeadlineTest {

    private static final BucketSpec SPEC = BucketSpec.of(Limit.of(1_000_000, 1_000, RefillPeriod.SECOND));
    private static final Duration TIMEOUT = Duration.ofMillis(50);
    private static final String PADDING = "x".repeat(20_000);

    @Test
    void aBlockedEventLoopIsNotARedisFailure() throws Exception {
        // The loop is learned from the channel itself: a callback on a decision's future may run on this thread
        // instead (when the reply is already in before the callback is attached).
        LoopCapture capture = new LoopCapture();
        ClientResources resources = DefaultClientResources.builder().nettyCustomizer(capture).build();
        try {
            try (RedisServer redis = RedisServer.start();
                 RedisBucketStore store = RedisBucketStore.connect(HarnessSettings.of(redis).withTimeout(TIMEOUT)
                         .withOverloadTimeout(Duration.ofSeconds(10)), resources, null)) {
                EventExecutor loop = capture.loop;
                assertThat(loop).as("the store's one channel was initialised").isNotNull();
                for (int round = 0; round < 3; round++) {
                    List<CompletableFuture<Decision>> calls = new ArrayList<>();
                    for (int i = 0; i < 200; i++) {
                        calls.add(store.tryConsume("busy-" + i, SPEC, 1).toCompletableFuture());
                    }
                    // The writes are queued on the loop before this task, so Redis answers while the loop sleeps: the
                    // replies wait in the socket for 6 timeouts, and the timer fires for every call meanwhile.
                    loop.execute(() -> sleep(300));
                    for (CompletableFuture<Decision> c : calls) {
                        assertThat(c.orTimeout(10, TimeUnit.SECONDS).join().allowed()).isTrue();
                    }
                }
                // Commands written from inside the event loop and then held there: they are written but not flushed (the
                // flush waits for the loop's next task), so Redis has not seen them while the loop is busy.
                List<CompletableFuture<Decision>> held = new ArrayList<>();
                loop.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        held.add(store.tryConsume("held-" + i, SPEC, 1).toCompletableFuture());
                    }
                    sleep(300);
                }).get(10, TimeUnit.SECONDS);
                for (CompletableFuture<Decision> c : held) {
                    assertThat(c.orTimeout(10, TimeUnit.SECONDS).join().allowed()).isTrue();
                }
                // The same from inside a completion callback: a slow caller on the I/O thread (as a web filter that does
                // its work on the thread that completes the stage) delays the replies behind it, not Redis.
                List<CompletableFuture<Decision>> calls = new ArrayList<>();
                CompletableFuture<Decision> first = store.tryConsume("slow-callback", SPEC, 1).toCompletableFuture();
                CompletableFuture<Void> slow = first.thenAccept(d -> sleep(300));
                for (int i = 0; i < 200; i++) {
                    calls.add(store.tryConsume("behind-" + i, SPEC, 1).toCompletableFuture());
                }
                slow.orTimeout(10, TimeUnit.SECONDS).join();
                for (CompletableFuture<Decision> c : calls) {
                    assertThat(c.orTimeout(10, TimeUnit.SECONDS).join().allowed()).isTrue();
                }
            }
        } finally {
            resources.shutdown().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aFrozenRedisFailsCallsWithinTheTimeout() throws Exception {
        try (RedisServer redis = RedisServer.start();
             RedisBucketStore store = RedisBucketStore.connect(HarnessSettings.of(redis).withTimeout(TIMEOUT))) {
            store.tryConsume("warm", SPEC, 1).toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
            redis.pause();
            try {
                for (int i = 0; i < 5; i++) {
                    long start = System.nanoTime();
                    Throwable t = failure(store.tryConsume("frozen-" + i, SPEC, 1).toCompletableFuture());
                    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    assertThat(t).isInstanceOf(StoreTimeoutException.class).hasMessageContaining("sent nothing for");
                    assertThat(ms).as("failed after the silence budget, not much later").isBetween(TIMEOUT.toMillis(),
                            TIMEOUT.toMillis() + 1_000);
                }
            } finally {
                redis.resume();
            }
            assertThat(store.tryConsume("thawed", SPEC, 1).toCompletableFuture().orTimeout(10, TimeUnit.SECONDS)
                    .join().allowed()).isTrue();
        }
    }

    @Test
    void aLongQueueInFrontOfALiveRedisIsShedAsOverload() throws Exception {
        // Each busy script keeps Redis working for 20 ms of its own clock and then answers, so replies keep arriving far
        // more often than the 200 ms silence budget, while the decision queued behind 60 of them waits at least 1.2 s:
        // longer than the overload budget of 500 ms, however busy the machine (a loop count calibrated once ran faster
        // later on a machine whose load fell, and the decision passed). Each script carries 20 kB of padding: Redis
        // reads at most 16 kB of a client's pipeline per turn and replies at the end of the turn, so without it Redis
        // would run all of them before sending any reply.
        ClientResources resources = DefaultClientResources.builder()
                .nettyCustomizer(RedisBucketStore.NETTY_CUSTOMIZER).build();
        try (RedisServer redis = RedisServer.start()) {
            RedisClient client = RedisClient.create(resources);
            try (StatefulRedisConnection<String, String> connection = client.connect(StringCodec.UTF8, redis.uri());
                 RedisBucketStore store = new RedisBucketStore(connection, HarnessSettings.of(redis)
                         .withTimeout(Duration.ofMillis(200)).withOverloadTimeout(Duration.ofMillis(500)), null)) {
                List<CompletableFuture<Object>> busy = new ArrayList<>();
                for (int i = 0; i < 60; i++) {
                    busy.add(connection.async().<Object>eval(BUSY_20_MS, ScriptOutputType.INTEGER, new String[0],
                            "20000", PADDING).toCompletableFuture());
                }
                long start = System.nanoTime();
                Throwable t = failure(store.tryConsume("queued", SPEC, 1).toCompletableFuture());
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertThat(t).as("shed as overload after %d ms", ms).isInstanceOf(StoreOverloadedException.class)
                        .hasMessageContaining("kept answering");
                assertThat(ms).isBetween(500L, 3_000L);
                CompletableFuture.allOf(busy.toArray(CompletableFuture[]::new)).orTimeout(30, TimeUnit.SECONDS).join();
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
                resources.shutdown(0, 2, TimeUnit.SECONDS);
            }
        }
    }

    /** Keeps Redis busy until ARGV[1] micros have passed on its own clock (TIME advances inside a script). */
    private static final String BUSY_20_MS = "local t0 = redis.call('TIME') local e = 0"
            + " repeat local t = redis.call('TIME') e = (t[1] - t0[1]) * 1000000 + (t[2] - t0[2])"
            + " until e >= tonumber(ARGV[1]) return 1";

    /** Remembers the event loop of the channel it initialises (a standalone store has one channel). */
    private static final class LoopCapture implements NettyCustomizer {
        volatile EventExecutor loop;

        @Override
        public void afterChannelInitialized(Channel channel) {
            loop = channel.eventLoop();
        }
    }

    private static Throwable failure(CompletableFuture<?> f) {
        try {
            f.orTimeout(10, TimeUnit.SECONDS).join();
        } catch (CompletionException e) {
            return e.getCause();
        }
        throw new AssertionError("the call succeeded");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
