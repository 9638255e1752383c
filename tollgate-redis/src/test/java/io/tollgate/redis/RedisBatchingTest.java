package io.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.sync.RedisCommands;
import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.store.ManualClock;
import io.tollgate.core.store.StoreException;
import io.tollgate.core.store.StoreOverloadedException;
import io.tollgate.testsupport.redis.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The batched store: decisions really share script calls, stay exact, and fail or shed one by one. */
class RedisBatchingTest {

    static final BucketSpec WIDE = BucketSpec.of(Limit.of(1_000_000, 1_000, RefillPeriod.SECOND));

    static long scriptCalls(RedisCommands<String, String> redis) {
        long n = 0;
        for (String cmd : new String[] {"evalsha", "eval"}) {
            Matcher m = Pattern.compile("cmdstat_" + cmd + ":calls=(\\d+)").matcher(redis.info("commandstats"));
            n += m.find() ? Long.parseLong(m.group(1)) : 0;
        }
        return n;
    }

    static Decision join(CompletableFuture<Decision> f) {
        return f.orTimeout(20, TimeUnit.SECONDS).join();
    }

    @Test
    void concurrentDecisionsShareScriptCallsAndSingleOnesGoAlone() {
        try (RedisServer server = RedisServer.start();
             RedisBucketStore store = RedisBucketStore.connect(HarnessSettings.of(server)
                     .withTimeout(Duration.ofSeconds(2)));
             RedisBucketStore unbatched = RedisBucketStore.connect(HarnessSettings.of(server).toBuilder()
                     .batching(false).timeout(Duration.ofSeconds(2)).build())) {
            RedisClient client = RedisClient.create(server.uri());
            RedisCommands<String, String> redis = client.connect().sync();
            join(store.tryConsume("warm", WIDE, 1).toCompletableFuture());
            // one at a time: each decision is its own call, nothing waits for company
            long before = scriptCalls(redis);
            for (int i = 0; i < 50; i++) {
                join(store.tryConsume("single-" + (i % 5), WIDE, 1).toCompletableFuture());
            }
            assertThat(scriptCalls(redis) - before).isEqualTo(50);
            // many at once: far fewer calls than decisions
            int decisions = 5_000;
            before = scriptCalls(redis);
            List<CompletableFuture<Decision>> all = new ArrayList<>();
            for (int i = 0; i < decisions; i++) {
                all.add(store.tryConsume("many-" + (i % 100), WIDE, 1).toCompletableFuture());
                if (all.size() % 1000 == 0) {
                    all.forEach(RedisBatchingTest::join); // stay under the queue bound
                }
            }
            all.forEach(f -> assertThat(join(f).allowed()).isTrue());
            long calls = scriptCalls(redis) - before;
            System.out.printf("batched: %d decisions in %d script calls (%.1f per call)%n", decisions, calls,
                    decisions / (double) calls);
            assertThat(calls).isLessThan(decisions / 5);
            // batch=false: one call per decision, however many are in flight
            before = scriptCalls(redis);
            all.clear();
            for (int i = 0; i < 500; i++) {
                all.add(unbatched.tryConsume("unbatched-" + (i % 10), WIDE, 1).toCompletableFuture());
            }
            all.forEach(RedisBatchingTest::join);
            assertThat(scriptCalls(redis) - before).isEqualTo(500);
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    void batchesRecoverFromAScriptFlush() {
        try (RedisServer server = RedisServer.start();
             RedisBucketStore store = RedisBucketStore.connect(HarnessSettings.of(server)
                     .withTimeout(Duration.ofSeconds(2)))) {
            RedisClient client = RedisClient.create(server.uri());
            RedisCommands<String, String> redis = client.connect().sync();
            for (int round = 0; round < 3; round++) {
                redis.scriptFlush();
                List<CompletableFuture<Decision>> all = new ArrayList<>();
                for (int i = 0; i < 300; i++) {
                    all.add(store.tryConsume("flush-" + (i % 7), WIDE, 1).toCompletableFuture());
                }
                all.forEach(f -> assertThat(join(f).allowed()).isTrue());
                assertThat(redis.scriptExists(BucketScript.SHA1)).containsExactly(true);
            }
            assertThat(redis.info("commandstats")).contains("cmdstat_eval:");
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    void manyThreadsOnOneKeyNeverGetMoreThanTheCapacity() throws InterruptedException {
        // a fixed clock: no refill, so exactly the capacity is admitted however decisions are batched
        BucketSpec spec = BucketSpec.of(Limit.of(500, 1, RefillPeriod.HOUR));
        ManualClock clock = new ManualClock(1_700_000_000_000_000L);
        try (RedisServer server = RedisServer.start();
             RedisBucketStore store = RedisBucketStore.connect(HarnessSettings.of(server)
                     .withTimeout(Duration.ofSeconds(2)), null, clock)) {
            AtomicLong admitted = new AtomicLong();
            AtomicLong errors = new AtomicLong();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                Thread th = new Thread(() -> {
                    List<CompletableFuture<Decision>> mine = new ArrayList<>();
                    for (int i = 0; i < 50; i++) { // 16 x 50 in flight at once: within the queue bound
                        mine.add(store.tryConsume("hot", spec, 1 + i % 2).toCompletableFuture());
                    }
                    for (CompletableFuture<Decision> f : mine) {
                        try {
                            Decision d = join(f);
                            if (d.allowed()) {
                                admitted.addAndGet(d.cost());
                            }
                        } catch (CompletionException e) {
                            errors.incrementAndGet();
                        }
                    }
                });
                threads.add(th);
                th.start();
            }
            for (Thread th : threads) {
                th.join(30_000);
            }
            assertThat(errors.get()).isZero();
            // 16 x 50 decisions of cost 1 or 2 ask for 1200 tokens; a cost-2 request may be denied with 1 token left
            assertThat(admitted.get()).isBetween(499L, 500L);
        }
    }

    @Test
    void aFullQueueShedsAsOverloadAndAFailedBatchFailsEachDecision() {
        try (RedisServer server = RedisServer.start();
             RedisBucketStore store = RedisBucketStore.connect(HarnessSettings.of(server).toBuilder()
                     .batchSize(1).timeout(Duration.ofSeconds(5)).build())) {
            join(store.tryConsume("warm", WIDE, 1).toCompletableFuture());
            // batch size 1, window 2: 2 in flight, 8 x 1 x 2 = 16 queued, the rest is overload
            int bound = RedisBucketStore.BATCH_WINDOW + RedisBucketStore.QUEUE_BATCHES * RedisBucketStore.BATCH_WINDOW;
            server.pause();
            List<CompletableFuture<Decision>> all = new ArrayList<>();
            try {
                for (int i = 0; i < bound + 10; i++) {
                    all.add(store.tryConsume("q-" + i, WIDE, 1).toCompletableFuture());
                }
                for (int i = bound; i < all.size(); i++) {
                    assertThat(all.get(i)).isCompletedExceptionally();
                    assertThat(cause(all.get(i))).isInstanceOf(StoreOverloadedException.class)
                            .hasMessageContaining("queue full");
                }
            } finally {
                server.resume();
            }
            for (int i = 0; i < bound; i++) {
                assertThat(join(all.get(i)).allowed()).isTrue();
            }
        }
        try (RedisServer server = RedisServer.start();
             RedisBucketStore store = RedisBucketStore.connect(HarnessSettings.of(server)
                     .withTimeout(Duration.ofSeconds(5)))) {
            join(store.tryConsume("warm", WIDE, 1).toCompletableFuture());
            server.pause();
            List<CompletableFuture<Decision>> all = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                all.add(store.tryConsume("k-" + i, WIDE, 1).toCompletableFuture());
            }
            server.kill(); // the connection drops with batches in flight and more queued
            for (CompletableFuture<Decision> f : all) {
                Throwable t = cause(f);
                assertThat(t).isInstanceOf(StoreException.class).isNotInstanceOf(StoreOverloadedException.class);
            }
        }
    }

    static Throwable cause(CompletableFuture<?> f) {
        try {
            f.orTimeout(20, TimeUnit.SECONDS).join();
        } catch (CompletionException e) {
            return e.getCause();
        }
        throw new AssertionError("the call succeeded");
    }
}
