package io.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.cluster.SlotHash;
import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.store.StoreException;
import io.tollgate.testsupport.redis.RedisCluster;
import io.tollgate.testsupport.redis.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * SIGKILL one master of the three-master cluster (no replicas). With {@code cluster-require-full-coverage no} the other
 * masters keep serving their slots; the dead node's keys fail fast; after a restart on the same port and directory
 * (same nodes.conf, so same node id and slots) its keys work again, with full buckets (its data is gone).
 *
 * <p>With the default {@code cluster-require-full-coverage yes}, every node stops serving (CLUSTERDOWN) once the dead
 * node is marked failed, after {@code cluster-node-timeout}: that is Redis behaviour, not the store's.
 */
class RedisClusterNodeDownTest {

    static final BucketSpec SPEC = BucketSpec.of(Limit.of(10, 1, RefillPeriod.MINUTE));
    static final Duration TIMEOUT = Duration.ofMillis(250);

    @Test
    void deadNodesKeysFailFastOthersKeepWorkingAndRecoverAfterRestart() throws InterruptedException {
        try (RedisCluster cluster = RedisCluster.start("--cluster-require-full-coverage", "no",
                "--cluster-node-timeout", "1000");
             RedisBucketStore store = RedisBucketStore.connect(HarnessSettings.of(cluster).withTimeout(TIMEOUT))) {
            // RedisCluster gives node i the i-th third of the slots; node 1 dies.
            List<String> deadKeys = keysInSlots(5461, 10921, 3);
            List<String> liveKeys = new ArrayList<>(keysInSlots(0, 5460, 3));
            liveKeys.addAll(keysInSlots(10922, 16383, 3));
            // The first call per node connects and loads the script: let that happen (bounded) on throwaway keys.
            for (int[] range : new int[][] {{0, 5460}, {5461, 10921}, {10922, 16383}}) {
                String warm = keysInSlots(range[0], range[1], 4).get(3); // not among the 3 tested keys
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (failureOrNull(store, warm) != null) {
                    assertThat(System.nanoTime()).as("warm-up").isLessThan(deadline);
                    Thread.sleep(50);
                }
            }
            for (String k : deadKeys) {
                assertThat(decide(store, k).remaining()).isEqualTo(9);
                assertThat(decide(store, k).remaining()).isEqualTo(8);
            }
            for (String k : liveKeys) {
                assertThat(decide(store, k).remaining()).isEqualTo(9);
            }

            RedisServer victim = cluster.nodes().get(1);
            victim.kill();
            long killed = System.nanoTime();
            long slowestFailureMs = 0;
            int liveOk = 0;
            int deadFailed = 0;
            String failure = null;
            // 3 s: well past cluster-node-timeout, so the other nodes have marked the victim as failed meanwhile.
            while (System.nanoTime() - killed < TimeUnit.SECONDS.toNanos(3)) {
                for (String k : deadKeys) {
                    long start = System.nanoTime();
                    Throwable t = failureOf(store, k);
                    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    assertThat(t).as("key %s on the dead node", k).isInstanceOf(StoreException.class);
                    failure = failure != null ? failure : t.toString();
                    slowestFailureMs = Math.max(slowestFailureMs, ms);
                    deadFailed++;
                }
                for (String k : liveKeys) {
                    decide(store, k);
                    liveOk++;
                }
                Thread.sleep(50);
            }
            System.out.printf("cluster node down: %d calls to the dead node's slots failed (slowest %d ms; %s),"
                    + " %d calls to the live nodes succeeded%n", deadFailed, slowestFailureMs, failure, liveOk);
            assertThat(slowestFailureMs).isLessThan(TIMEOUT.toMillis() + 1_000);

            victim.restart();
            long restarted = System.nanoTime();
            Decision d = null;
            while (d == null) {
                try {
                    d = store.tryConsume(deadKeys.get(0), SPEC, 1).toCompletableFuture().orTimeout(5,
                            TimeUnit.SECONDS).join();
                } catch (CompletionException e) {
                    assertThat(System.nanoTime() - restarted).as("recovery after restart")
                            .isLessThan(TimeUnit.SECONDS.toNanos(15));
                    Thread.sleep(50);
                }
            }
            long recoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted);
            System.out.printf("cluster node restart: its keys work again %d ms after restart%n", recoverMs);
            assertThat(d.remaining()).as("the restarted node lost its data: bucket starts full").isEqualTo(9);
            for (String k : deadKeys.subList(1, deadKeys.size())) {
                assertThat(decide(store, k).remaining()).isEqualTo(9);
            }
            for (String k : liveKeys) {
                assertThat(decide(store, k)).isNotNull(); // answered (allowed or not: the loop above drained them)
            }
        }
    }

    /** {@code n} bucket keys whose Redis keys hash to slots in [from, to]. */
    static List<String> keysInSlots(int from, int to, int n) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; keys.size() < n; i++) {
            String k = "client-" + i;
            int slot = SlotHash.getSlot(RedisKeys.key("tollgate", k, SPEC));
            if (slot >= from && slot <= to) {
                keys.add(k);
            }
        }
        return keys;
    }

    static Decision decide(RedisBucketStore store, String key) {
        return store.tryConsume(key, SPEC, 1).toCompletableFuture().orTimeout(5, TimeUnit.SECONDS).join();
    }

    static Throwable failureOrNull(RedisBucketStore store, String key) {
        try {
            decide(store, key);
            return null;
        } catch (CompletionException e) {
            return e.getCause();
        }
    }

    static Throwable failureOf(RedisBucketStore store, String key) {
        try {
            decide(store, key);
        } catch (CompletionException e) {
            return e.getCause();
        }
        throw new AssertionError("call on " + key + " succeeded");
    }
}
