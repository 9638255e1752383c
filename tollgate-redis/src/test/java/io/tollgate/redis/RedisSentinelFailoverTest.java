package io.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.store.StoreException;
import io.tollgate.testsupport.redis.RedisSentinelGroup;
import io.tollgate.testsupport.redis.RedisServer;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Master, replica, three sentinels: SIGKILL the master while decisions run every 20 ms; the sentinels promote the
 * replica and the store's connection (which asks the sentinels for the master on every reconnect) follows it.
 */
class RedisSentinelFailoverTest {

    static final BucketSpec SPEC = BucketSpec.of(Limit.of(1_000_000, 1, RefillPeriod.MINUTE));
    static final Duration TIMEOUT = Duration.ofMillis(250);

    @Test
    void decisionsResumeOnThePromotedReplica() throws Exception {
        try (RedisSentinelGroup group = RedisSentinelGroup.start();
             RedisBucketStore store = RedisBucketStore.connect(HarnessSettings.of(group).withTimeout(TIMEOUT))) {
            RedisServer master = group.dataNodes().get(0);
            RedisServer replica = group.dataNodes().get(1);
            assertThat(group.currentMaster()).isSameAs(master);
            assertThat(store.describe()).startsWith("redis sentinel ").contains("master mymaster");
            for (int i = 0; i < 5; i++) {
                assertThat(call(store)).isNull();
            }

            master.kill();
            long killed = System.nanoTime();
            long deadline = killed + TimeUnit.SECONDS.toNanos(20);
            int failed = 0;
            int calls = 0;
            long slowestMs = 0;
            long lastFailure = killed;
            long recovered = -1;
            int successesAfterFailure = 0;
            String firstError = null;
            while (System.nanoTime() < deadline && successesAfterFailure < 25) {
                long start = System.nanoTime();
                Throwable error = call(store);
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                slowestMs = Math.max(slowestMs, ms);
                calls++;
                if (error != null) {
                    assertThat(error).isInstanceOf(StoreException.class);
                    firstError = firstError != null ? firstError : error.toString();
                    failed++;
                    lastFailure = System.nanoTime();
                    recovered = -1;
                    successesAfterFailure = 0;
                } else {
                    if (recovered < 0) {
                        recovered = System.nanoTime();
                    }
                    if (failed > 0) {
                        successesAfterFailure++;
                    }
                }
                Thread.sleep(20);
            }
            long recoverMs = TimeUnit.NANOSECONDS.toMillis((recovered < 0 ? System.nanoTime() : recovered) - killed);
            System.out.printf("sentinel failover: %d calls, %d failed (first: %s), recovered %d ms after SIGKILL,"
                            + " last failure at %d ms, slowest call %d ms%n", calls, failed, firstError, recoverMs,
                    TimeUnit.NANOSECONDS.toMillis(lastFailure - killed), slowestMs);

            assertThat(successesAfterFailure).as("25 decisions in a row after the failover").isEqualTo(25);
            assertThat(recoverMs).as("time from SIGKILL to decisions on the new master").isLessThan(15_000);
            assertThat(slowestMs).as("every call bounded by the %d ms timeout (plus scheduling slack)",
                    TIMEOUT.toMillis()).isLessThan(TIMEOUT.toMillis() + 1_000);
            assertThat(group.awaitFailover(master)).isSameAs(replica);

            // The decisions really land on the promoted replica.
            RedisClient client = RedisClient.create();
            try (StatefulRedisConnection<String, String> c = client.connect(replica.uri())) {
                assertThat(c.sync().info("replication")).contains("role:master");
                assertThat(c.sync().exists(RedisKeys.key("tollgate", "sentinel-client", SPEC))).isOne();
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
    }

    /** One decision; null on success, else the failure. Never waits more than 5 s. */
    static Throwable call(RedisBucketStore store) {
        try {
            store.tryConsume("sentinel-client", SPEC, 1).toCompletableFuture().orTimeout(5, TimeUnit.SECONDS).join();
            return null;
        } catch (CompletionException e) {
            return e.getCause();
        }
    }
}
