package io.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.tollgate.core.store.ManualClock;
import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.store.InMemoryBucketStore;
import io.tollgate.core.store.ReferenceBucketStore;
import io.tollgate.testsupport.redis.RedisExtension;
import io.tollgate.testsupport.redis.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store on a three-master Redis Cluster. */
class RedisClusterStoreTest {

    @RegisterExtension
    static final RedisExtension CLUSTER = RedisExtension.cluster();

    @Test
    void manyKeysAcrossSlotsDecideCorrectly() {
        BucketSpec spec = BucketSpec.of(Limit.of(3, 1, RefillPeriod.SECOND), Limit.of(100, 10, RefillPeriod.MINUTE));
        ManualClock clock = new ManualClock(1_700_000_000_000_000L);
        InMemoryBucketStore memory = ReferenceBucketStore.keepingEveryBucket(10_000);
        try (RedisBucketStore store = RedisBucketStore.connect(
                HarnessSettings.of(CLUSTER).withTimeout(Duration.ofSeconds(2)), null, clock)) {
            assertThat(store.describe()).startsWith("redis cluster 127.0.0.1:");
            for (int round = 0; round < 4; round++) {
                List<CompletableFuture<Decision>> pending = new ArrayList<>();
                for (int k = 0; k < 300; k++) {
                    pending.add(store.tryConsume("client-" + k, spec, 1).toCompletableFuture());
                }
                for (int k = 0; k < 300; k++) {
                    Decision expected = memory.decide("client-" + k, spec, 1, clock.nowMicros());
                    Decision actual = pending.get(k).join(); // a CROSSSLOT or MOVED error would surface here
                    assertThat(actual.allowed()).isEqualTo(expected.allowed()).isEqualTo(round < 3);
                    assertThat(actual.level(0)).isEqualTo(expected.level(0));
                    assertThat(actual.level(1)).isEqualTo(expected.level(1));
                }
            }
        }
        // the keys really are spread over all three masters
        RedisClient client = RedisClient.create();
        try {
            for (RedisServer node : CLUSTER.redisCluster().nodes()) {
                try (StatefulRedisConnection<String, String> c = client.connect(node.uri())) {
                    assertThat(c.sync().dbsize()).as("keys on %s", node).isPositive();
                }
            }
        } finally {
            client.shutdown();
        }
    }

    @Test
    void scriptFlushOnEveryNodeIsInvisible() {
        BucketSpec spec = BucketSpec.of(Limit.of(5, 1, RefillPeriod.SECOND));
        try (RedisBucketStore store = RedisBucketStore.connect(HarnessSettings.of(CLUSTER).withTimeout(Duration.ofSeconds(2)))) {
            for (int k = 0; k < 30; k++) {
                store.tryConsume("flush-" + k, spec, 1).toCompletableFuture().join();
            }
            RedisClient client = RedisClient.create();
            try {
                for (RedisServer node : CLUSTER.redisCluster().nodes()) {
                    try (StatefulRedisConnection<String, String> c = client.connect(node.uri())) {
                        c.sync().scriptFlush();
                    }
                }
            } finally {
                client.shutdown();
            }
            for (int k = 0; k < 30; k++) {
                assertThat(store.tryConsume("flush-" + k, spec, 1).toCompletableFuture().join().remaining())
                        .isEqualTo(3);
            }
        }
    }
}
