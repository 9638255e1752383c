package io.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.store.BucketCall;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.ManualClock;
import io.tollgate.testsupport.redis.RedisExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What {@link RedisBucketStore#tryConsumeAll} guarantees on a real three-master Cluster: all or nothing within one
 * slot always, within one node on Redis 7+ with batching, and per node (or per slot) only when a request spans them:
 * then a part that its node allows is applied although another node denied its part. The clock is fixed, so no bucket
 * refills.
 */
class RedisClusterAllOrNothingTest {

    @RegisterExtension
    static final RedisExtension CLUSTER = RedisExtension.cluster();

    static final BucketSpec FIVE = BucketSpec.of(Limit.of(5, 1, RefillPeriod.HOUR));
    static final BucketSpec TWO = BucketSpec.of(Limit.of(2, 1, RefillPeriod.HOUR));

    /** Batched per node (Redis 7+; per slot on 6.2), batched per slot (forced), and unbatched (per slot). */
    enum Mode { PER_NODE, PER_SLOT, UNBATCHED }

    static RedisBucketStore store(String prefix, Mode mode) {
        RedisConnectionSettings settings = HarnessSettings.of(CLUSTER).toBuilder().keyPrefix(prefix)
                .batching(mode != Mode.UNBATCHED).timeout(Duration.ofSeconds(2)).build();
        return RedisBucketStore.connect(settings, null, new ManualClock(RedisClusterBatchingTest.T0),
                mode == Mode.PER_NODE);
    }

    static List<Decision> all(BucketStore store, BucketCall... calls) {
        return store.tryConsumeAll(List.of(calls)).toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
    }

    static long remaining(BucketStore store, String key, BucketSpec spec) {
        return all(store, new BucketCall(key, spec, 0)).get(0).remaining();
    }

    /**
     * The first {@code n} bucket keys {@code base-i} (spec {@link #FIVE}) whose slots live on node {@code port}, each
     * in a slot of its own.
     */
    static List<String> keysOn(String prefix, String base, int port, int n) {
        RedisClusterClient client = RedisClusterClient.create(CLUSTER.redisCluster().uris());
        try {
            Partitions partitions = client.getPartitions();
            List<String> out = new ArrayList<>();
            Set<Integer> slots = new HashSet<>();
            for (int i = 0; out.size() < n; i++) {
                String key = base + "-" + i;
                int slot = SlotHash.getSlot(RedisKeys.key(prefix, key, FIVE));
                if (partitions.getPartitionBySlot(slot).getUri().getPort() == port && slots.add(slot)) {
                    out.add(key);
                }
            }
            return out;
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    static int port(int node) {
        return CLUSTER.redisCluster().nodes().get(node).uri().getPort();
    }

    @Test
    void oneSlotIsAllOrNothingInEveryMode() {
        for (Mode mode : Mode.values()) {
            String prefix = "slot-" + mode;
            try (RedisBucketStore store = store(prefix, mode)) {
                // one bucket key under two specs: two keys of one slot (the bucket key is the hash tag)
                assertThat(BucketStore.admitted(all(store, new BucketCall("k", TWO, 2)))).isTrue();
                List<Decision> d = all(store, new BucketCall("k", FIVE, 3), new BucketCall("k", TWO, 1));
                assertThat(d).as(mode.name()).extracting(Decision::allowed).containsExactly(true, false);
                assertThat(remaining(store, "k", FIVE)).as(mode.name()).isEqualTo(5);
            }
        }
    }

    /**
     * A request over all three nodes whose node 0 holds a drained bucket: the request is denied; node 0's other bucket
     * keeps its tokens per node (Redis 7+ batched) but not per slot; the buckets of nodes 1 and 2 are consumed, as
     * documented.
     */
    @Test
    void aRequestSpanningNodesIsAllOrNothingPerNodeOnly() {
        boolean redis7 = RedisClusterBatchingTest.redis7(CLUSTER.redisCluster());
        for (Mode mode : Mode.values()) {
            String prefix = "span-" + mode;
            List<String> on0 = keysOn(prefix, "n0", port(0), 2);
            String on1 = keysOn(prefix, "n1", port(1), 1).get(0);
            String on2 = keysOn(prefix, "n2", port(2), 1).get(0);
            try (RedisBucketStore store = store(prefix, mode)) {
                assertThat(BucketStore.admitted(all(store, new BucketCall(on0.get(0), FIVE, 5)))).isTrue();

                List<Decision> d = all(store, new BucketCall(on1, FIVE, 1), new BucketCall(on0.get(0), FIVE, 1),
                        new BucketCall(on0.get(1), FIVE, 1), new BucketCall(on2, FIVE, 2));

                String where = mode.name();
                assertThat(BucketStore.admitted(d)).as(where).isFalse();
                assertThat(d).as(where).extracting(Decision::allowed).containsExactly(true, false, true, true);
                assertThat(remaining(store, on0.get(0), FIVE)).as(where).isZero();
                boolean perNode = mode == Mode.PER_NODE && redis7;
                assertThat(remaining(store, on0.get(1), FIVE)).as(where + ": same node as the denial")
                        .isEqualTo(perNode ? 5 : 4);
                assertThat(d.get(2).remaining()).as(where).isEqualTo(perNode ? 5 : 4);
                assertThat(remaining(store, on1, FIVE)).as(where + ": other node, applied").isEqualTo(4);
                assertThat(d.get(0).remaining()).as(where).isEqualTo(4);
                assertThat(remaining(store, on2, FIVE)).as(where + ": other node, applied").isEqualTo(3);
            }
        }
    }
}
