package io.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.store.StoreException;
import io.tollgate.core.store.StoreTimeoutException;
import io.tollgate.core.store.StoreUnavailableException;
import io.tollgate.testsupport.redis.RedisServer;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Hung, dead and restarted servers: callers get core exceptions within the time budget, never a hang. */
class RedisFailureTest {

    static final BucketSpec SPEC = BucketSpec.of(Limit.of(100, 10, RefillPeriod.SECOND));

    /** The exception a call completes with, failing the test if it succeeds or takes over 5 s. */
    static Throwable failureOf(RedisBucketStore store) {
        try {
            store.tryConsume("k", SPEC, 1).toCompletableFuture().orTimeout(5, TimeUnit.SECONDS).join();
        } catch (CompletionException e) {
            return e.getCause();
        }
        throw new AssertionError("call succeeded");
    }

    /** Polls (bounded) until a call succeeds. */
    static Decision eventually(RedisBucketStore store) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            try {
                return store.tryConsume("k", SPEC, 1).toCompletableFuture().orTimeout(5, TimeUnit.SECONDS).join();
            } catch (CompletionException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    @Test
    void pausedServerTimesOutAndRecoversOnContinue() throws InterruptedException {
        try (RedisServer server = RedisServer.start();
             RedisBucketStore store = RedisBucketStore.connect(HarnessSettings.of(server).withTimeout(Duration.ofMillis(150)))) {
            assertThat(eventually(store).allowed()).isTrue();
            server.pause();
            try {
                long start = System.nanoTime();
                Throwable t = failureOf(store);
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertThat(t).isInstanceOf(StoreTimeoutException.class);
                assertThat(ms).isBetween(140L, 1_000L);
                assertThatThrownBy(() -> store.ping().toCompletableFuture().join())
                        .hasCauseInstanceOf(StoreTimeoutException.class);
            } finally {
                server.resume();
            }
            assertThat(eventually(store).allowed()).isTrue();
        }
    }

    @Test
    void killedServerFailsFastAndRestartIsInvisible() throws InterruptedException {
        try (RedisServer server = RedisServer.start();
             RedisBucketStore store = RedisBucketStore.connect(HarnessSettings.of(server).withTimeout(Duration.ofMillis(150)))) {
            assertThat(eventually(store).allowed()).isTrue();
            server.kill();
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                Throwable t = failureOf(store);
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertThat(t).isInstanceOfAny(StoreUnavailableException.class, StoreTimeoutException.class);
                assertThat(ms).isLessThan(1_000L);
            }
            server.restart(); // same port, empty data, no scripts cached: NOSCRIPT must be handled
            Decision d = eventually(store);
            assertThat(d.allowed()).isTrue();
            assertThat(d.remaining()).isEqualTo(99);
        }
    }

    @Test
    void unreachableServerFailsConnectWithoutPassword() {
        RedisConnectionSettings settings = RedisConnectionSettings.fromUrl("redis://app:s3cret-pw@127.0.0.1:1/0")
                .withConnectTimeout(Duration.ofMillis(500));
        assertThatThrownBy(() -> RedisBucketStore.connect(settings))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("127.0.0.1:1")
                .hasMessageNotContaining("s3cret-pw");
    }

    @Test
    void wrongPasswordErrorNeverShowsThePassword() {
        try (RedisServer server = RedisServer.start("--requirepass", "right-pw")) {
            RedisConnectionSettings settings = RedisConnectionSettings.fromHostPort(server.host(), server.port(), 0,
                    null, "wrong-pw", false);
            assertThat(settings.toString()).doesNotContain("wrong-pw");
            Throwable t = catchConnect(settings);
            assertThat(t).isInstanceOf(StoreException.class);
            assertThat(t.getMessage()).doesNotContain("wrong-pw").doesNotContain("right-pw");
            try (RedisBucketStore ok = RedisBucketStore.connect(RedisConnectionSettings.fromHostPort(server.host(),
                    server.port(), 0, null, "right-pw", false))) {
                assertThat(ok.describe()).doesNotContain("right-pw");
                assertThat(ok.tryConsume("k", SPEC, 1).toCompletableFuture().join().allowed()).isTrue();
            }
        }
    }

    private static Throwable catchConnect(RedisConnectionSettings settings) {
        try (RedisBucketStore s = RedisBucketStore.connect(settings)) {
            return failureOf(s);
        } catch (StoreException e) {
            return e;
        }
    }
}
