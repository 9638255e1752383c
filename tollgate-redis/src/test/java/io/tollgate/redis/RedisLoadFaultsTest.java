package io.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.store.StoreException;
import io.tollgate.testsupport.redis.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Faults under load on a standalone server: SCRIPT FLUSH storms, SIGKILL and restart. */
class RedisLoadFaultsTest {

    @Test
    void scriptFlushUnderLoadNeverReachesCallers() throws Exception {
        BucketSpec spec = BucketSpec.of(Limit.of(1_000_000, 1_000, RefillPeriod.SECOND));
        // A generous per-call budget: this test is about NOSCRIPT handling, not latency on a busy 2-core machine.
        try (RedisServer server = RedisServer.start();
             RedisBucketStore store = RedisBucketStore.connect(HarnessSettings.of(server).withTimeout(Duration.ofSeconds(3)))) {
            RedisClient client = RedisClient.create();
            try (StatefulRedisConnection<String, String> admin = client.connect(server.uri())) {
                AtomicBoolean stop = new AtomicBoolean();
                AtomicLong ok = new AtomicLong();
                AtomicInteger flushes = new AtomicInteger();
                ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
                Semaphore window = new Semaphore(128); // ≤ 64 in flight per worker
                List<Thread> threads = new ArrayList<>();
                for (int w = 0; w < 2; w++) {
                    threads.add(new Thread(() -> {
                        while (!stop.get()) {
                            try {
                                if (!window.tryAcquire(1, TimeUnit.SECONDS)) {
                                    continue;
                                }
                            } catch (InterruptedException e) {
                                return;
                            }
                            String key = "flush-" + ThreadLocalRandom.current().nextInt(1_000);
                            store.tryConsume(key, spec, 1).whenComplete((d, e) -> {
                                if (e != null) {
                                    errors.add(e);
                                } else {
                                    ok.incrementAndGet();
                                }
                                window.release();
                            });
                        }
                    }, "decide-" + w));
                }
                threads.add(new Thread(() -> {
                    while (!stop.get()) {
                        admin.sync().scriptFlush();
                        flushes.incrementAndGet();
                        try {
                            Thread.sleep(100);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }, "script-flush"));
                threads.forEach(Thread::start);
                Thread.sleep(2_000);
                stop.set(true);
                for (Thread t : threads) {
                    t.join(10_000);
                }
                assertThat(window.tryAcquire(128, 10, TimeUnit.SECONDS)).as("all calls completed").isTrue();
                String stats = admin.sync().info("commandstats");
                System.out.printf("script flush under load: %d decisions, %d SCRIPT FLUSH, %d errors; %s%n", ok.get(),
                        flushes.get(), errors.size(), stats.lines().filter(l -> l.startsWith("cmdstat_eval"))
                                .toList());
                assertThat(errors).as("errors reaching callers").isEmpty();
                assertThat(ok.get()).isPositive();
                assertThat(flushes.get()).isGreaterThanOrEqualTo(10);
                assertThat(stats).contains("cmdstat_eval:"); // the EVAL fallback really ran
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
    }

    @Test
    void restartFailsFastWhileDownThenRecoversWithFullBuckets() throws Exception {
        BucketSpec spec = BucketSpec.of(Limit.of(10, 1, RefillPeriod.MINUTE));
        Duration timeout = Duration.ofMillis(150);
        try (RedisServer server = RedisServer.start();
             RedisBucketStore store = RedisBucketStore.connect(HarnessSettings.of(server).withTimeout(timeout))) {
            Decision d = null;
            for (int i = 0; i < 7; i++) {
                d = store.tryConsume("restart", spec, 1).toCompletableFuture().orTimeout(5, TimeUnit.SECONDS).join();
            }
            assertThat(d.remaining()).isEqualTo(3);

            server.kill();
            long downUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_000);
            long slowest = 0;
            int failures = 0;
            while (System.nanoTime() < downUntil) {
                long start = System.nanoTime();
                try {
                    store.tryConsume("restart", spec, 1).toCompletableFuture().orTimeout(5, TimeUnit.SECONDS).join();
                    throw new AssertionError("a call succeeded while Redis was down");
                } catch (CompletionException e) {
                    assertThat(e.getCause()).isInstanceOf(StoreException.class);
                }
                slowest = Math.max(slowest, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                failures++;
                Thread.sleep(20);
            }
            assertThat(slowest).as("each call while down is bounded by the timeout").isLessThan(
                    timeout.toMillis() + 1_000);

            server.restart();
            long restarted = System.nanoTime();
            Decision after = null;
            while (after == null) {
                try {
                    after = store.tryConsume("restart", spec, 1).toCompletableFuture().orTimeout(5, TimeUnit.SECONDS)
                            .join();
                } catch (CompletionException e) {
                    assertThat(System.nanoTime() - restarted).as("recovery").isLessThan(TimeUnit.SECONDS.toNanos(10));
                    Thread.sleep(20);
                }
            }
            long recoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted);
            System.out.printf("redis restart: %d calls failed while down (slowest %d ms); decisions again %d ms after"
                    + " restart%n", failures, slowest, recoverMs);
            assertThat(recoverMs).as("auto-reconnect within a few seconds").isLessThan(5_000);
            // Buckets live only in Redis memory (no persistence here): after a restart every bucket starts full.
            assertThat(after.allowed()).isTrue();
            assertThat(after.remaining()).isEqualTo(9);
        }
    }
}
