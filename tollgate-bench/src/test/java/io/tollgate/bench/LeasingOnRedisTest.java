package io.tollgate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.lease.LeasingBucketStore;
import io.tollgate.core.limiter.StoreChain;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.CountingBucketStore;
import io.tollgate.redis.RedisBucketStore;
import io.tollgate.redis.testing.RedisServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two leasing instances on one real Redis: never over-admit, under-admit at most the documented bound. */
class LeasingOnRedisTest {

    private static RedisServer redis;

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


    @Test
    void twoInstancesNeverOverAdmit() throws Exception {
        BucketSpec spec = BucketSpec.of(Limit.of(2000, 1000, RefillPeriod.SECOND));
        Duration ttl = Duration.ofSeconds(1);
        var settings = redis.settings().withTimeout(Duration.ofSeconds(2));
        try (CountingBucketStore g1 = new CountingBucketStore(RedisBucketStore.connect(settings));
             CountingBucketStore g2 = new CountingBucketStore(RedisBucketStore.connect(settings));
             StoreChain a = StoreChain.around(g1).leases(ttl).build();
             StoreChain b = StoreChain.around(g2).leases(ttl).build()) {
            AsyncWindow.Result[] results = new AsyncWindow.Result[2];
            long start = System.nanoTime();
            Thread ta = new Thread(() -> results[0] = drive(a.leased(), spec));
            Thread tb = new Thread(() -> results[1] = drive(b.leased(), spec));
            ta.start();
            tb.start();
            ta.join(30_000);
            tb.join(30_000);
            double elapsedSeconds = (System.nanoTime() - start) / 1e9;
            long admitted = results[0].allowed() + results[1].allowed();
            long granted = g1.granted.get() + g2.granted.get();
            long maxBatch = LeasingBucketStore.maxBatch(spec);
            // Never over-admit: the store granted at most capacity + rate x elapsed, and nothing beyond it was admitted.
            assertThat(granted).isLessThanOrEqualTo(2000 + (long) Math.ceil(1000 * elapsedSeconds));
            assertThat(admitted).isLessThanOrEqualTo(granted);
            // Under-admission bound: at most one batch per instance per lease TTL, plus the batch held.
            long perInstance = maxBatch * ((long) (elapsedSeconds / 1.0) + 2);
            assertThat(admitted).isGreaterThanOrEqualTo(granted - 2 * perInstance);
            // Demand far exceeded supply, so the bucket was actually exercised.
            assertThat(results[0].completed() + results[1].completed()).isGreaterThan(admitted);
            assertThat(results[0].errors() + results[1].errors()).isZero();
        }
    }

    private static AsyncWindow.Result drive(BucketStore store, BucketSpec spec) {
        try {
            return AsyncWindow.run(32, 1500, 2_000_000, i -> store.tryConsume("global", spec, 1), Decision::allowed);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
