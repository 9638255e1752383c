package io.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.SlotHash;
import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.store.InMemoryBucketStore;
import io.tollgate.core.store.ReferenceBucketStore;
import io.tollgate.core.store.ManualClock;
import io.tollgate.core.store.MicrosClock;
import io.tollgate.testsupport.redis.RedisCluster;
import io.tollgate.testsupport.redis.RedisExtension;
import io.tollgate.testsupport.redis.RedisServer;
import java.time.Duration;
import io.tollgate.core.store.BucketCall;
import io.tollgate.core.store.BucketStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Batching on a real three-master Cluster: lanes per node (Redis 7+) or per slot (forced here, as on Redis 6.2), calls
 * well below decisions, exact admissions, and a slot migrated under load (ASK, TRYAGAIN, MOVED) without a failure or
 * an over-admission. The clock is fixed, so no bucket refills: a key admits exactly its capacity, never more.
 */
class RedisClusterBatchingTest {

    @RegisterExtension
    static final RedisExtension CLUSTER = RedisExtension.cluster();

    static final BucketSpec A = BucketSpec.of(Limit.of(10, 1, RefillPeriod.HOUR));
    static final BucketSpec B = BucketSpec.of(Limit.of(7, 1, RefillPeriod.HOUR), Limit.of(100, 1, RefillPeriod.DAY));
    static final long T0 = 1_700_000_000_000_000L;

    static long scriptCalls(RedisCluster cluster) {
        RedisClient client = RedisClient.create();
        try {
            long n = 0;
            for (RedisServer node : cluster.nodes()) {
                try (StatefulRedisConnection<String, String> c = client.connect(node.uri())) {
                    String stats = c.sync().info("commandstats");
                    for (String cmd : new String[] {"evalsha", "eval"}) {
                        Matcher m = Pattern.compile("cmdstat_" + cmd + ":calls=(\\d+)").matcher(stats);
                        n += m.find() ? Long.parseLong(m.group(1)) : 0;
                    }
                }
            }
            return n;
        } finally {
            client.shutdown();
        }
    }

    static RedisBucketStore store(String prefix, boolean crossSlot, MicrosClock clock) {
        return RedisBucketStore.connect(HarnessSettings.of(CLUSTER).toBuilder().keyPrefix(prefix)
                .timeout(Duration.ofSeconds(2)).build(), null, clock, crossSlot);
    }

    static Decision join(CompletableFuture<Decision> f) {
        return f.orTimeout(20, TimeUnit.SECONDS).join();
    }

    /** 200 keys (two specs each, so two keys per slot), 20 decisions per key, interleaved, 1000 in flight at most. */
    static List<Decision> workload(RedisBucketStore store) {
        List<Decision> out = new ArrayList<>();
        List<CompletableFuture<Decision>> batch = new ArrayList<>();
        for (int i = 0; i < 8_000; i++) {
            batch.add(store.tryConsume("k-" + (i % 200), (i / 200) % 2 == 0 ? A : B, 1).toCompletableFuture());
            if (batch.size() == 1_000) {
                batch.forEach(f -> out.add(join(f)));
                batch.clear();
            }
        }
        return out;
    }

    /**
     * Each key's decisions, exactly: the same outcomes (allowed and levels) as the in-memory math gives the same
     * decisions, as a multiset per key. Not per position: up to 1000 decisions are in flight at once, and the store
     * applies concurrent decisions of one lane in the order their batches reach Redis, which need not be the order
     * they were submitted in (see {@link Batcher}). The clock is fixed and every cost is 1, so every serial order
     * yields the same outcomes per key, and a decision applied twice, lost, or decided on a wrong state changes them.
     */
    static void assertExact(List<Decision> decisions) {
        assertThat(outcomesByKey(decisions)).isEqualTo(outcomesByKey(expected(decisions.size())));
        Map<String, Integer> allowed = new HashMap<>();
        for (int i = 0; i < decisions.size(); i++) {
            if (decisions.get(i).allowed()) {
                allowed.merge(key(i), 1, Integer::sum);
            }
        }
        allowed.forEach((k, n) -> assertThat(n).as(k).isLessThanOrEqualTo(10));
    }

    /** The in-memory math's decisions for the workload, one after the other in submission order. */
    static List<Decision> expected(int n) {
        InMemoryBucketStore memory = ReferenceBucketStore.keepingEveryBucket(10_000);
        List<Decision> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(memory.decide("k-" + (i % 200), spec(i), 1, T0));
        }
        return out;
    }

    static BucketSpec spec(int i) {
        return (i / 200) % 2 == 0 ? A : B;
    }

    static String key(int i) {
        return "k-" + (i % 200) + "/" + spec(i).fingerprint();
    }

    /** Per key of the workload, the sorted outcomes ({@code allowed levels...}) of its decisions. */
    static Map<String, List<String>> outcomesByKey(List<Decision> decisions) {
        Map<String, List<String>> out = new TreeMap<>();
        for (int i = 0; i < decisions.size(); i++) {
            Decision d = decisions.get(i);
            StringBuilder o = new StringBuilder(d.allowed() ? "allowed" : "denied");
            for (int l = 0; l < spec(i).size(); l++) {
                o.append(' ').append(d.level(l));
            }
            out.computeIfAbsent(key(i), k -> new ArrayList<>()).add(o.toString());
        }
        out.values().forEach(Collections::sort);
        return out;
    }

    @Test
    void lanesPerNodeBatchAcrossSlotsAndAdmitExactly() {
        try (RedisBucketStore store = store("a", true, new ManualClock(T0))) {
            boolean redis7 = redis7();
            assertThat(store.clusterLanes().crossSlot()).isEqualTo(redis7);
            long before = scriptCalls(CLUSTER.redisCluster());
            List<Decision> decisions = workload(store);
            long calls = scriptCalls(CLUSTER.redisCluster()) - before;
            System.out.printf("cluster lanes per %s: %d decisions in %d script calls, %d lanes%n",
                    redis7 ? "node" : "slot", decisions.size(), calls, store.clusterLanes().lanes());
            assertExact(decisions);
            if (redis7) {
                assertThat(store.clusterLanes().lanes()).isEqualTo(3);
                assertThat(calls).isLessThan(decisions.size() / 5);
            }
            assertThat(store.clusterLanes().routedDecisions()).isZero();
        }
    }

    @Test
    void lanesPerSlotForcedGiveIdenticalDecisions() {
        try (RedisBucketStore perNode = store("n", true, new ManualClock(T0));
             RedisBucketStore perSlot = store("s", false, new ManualClock(T0))) {
            assertThat(perSlot.clusterLanes().crossSlot()).isFalse();
            long before = scriptCalls(CLUSTER.redisCluster());
            List<Decision> slotDecisions = workload(perSlot);
            long calls = scriptCalls(CLUSTER.redisCluster()) - before;
            System.out.printf("cluster lanes per slot: %d decisions in %d script calls, %d lanes%n",
                    slotDecisions.size(), calls, perSlot.clusterLanes().lanes());
            assertThat(calls).isLessThan(slotDecisions.size());
            assertExact(slotDecisions);
            List<Decision> nodeDecisions = workload(perNode);
            assertThat(outcomesByKey(nodeDecisions)).isEqualTo(outcomesByKey(slotDecisions));
        }
    }

    @Test
    void aSlotMigratedUnderLoadAnswersEveryDecisionAndNeverOverAdmits() throws Exception {
        migrateUnderLoad(true, "m");
    }

    @Test
    void aSlotMigratedUnderLoadOnSlotLanes() throws Exception {
        migrateUnderLoad(false, "p");
    }

    static final BucketSpec GROUP = BucketSpec.of(Limit.of(40, 1, RefillPeriod.HOUR));

    private void migrateUnderLoad(boolean crossSlot, String prefix) throws Exception {
        BucketSpec spec = BucketSpec.of(Limit.of(400, 1, RefillPeriod.HOUR));
        // the bucket key is the hash tag, so each test names its own keys to get a slot of its own
        int slot = SlotHash.getSlot(RedisKeys.key(prefix, prefix + "-mig-0", spec));
        List<String> migKeys = new ArrayList<>();
        for (int i = 0; migKeys.size() < 6; i++) {
            if (SlotHash.getSlot(RedisKeys.key(prefix, prefix + "-mig-" + i, spec)) == slot) {
                migKeys.add(prefix + "-mig-" + i);
            }
        }
        // a group of two buckets in the migrating slot: it must stay all or nothing while the slot moves
        List<String> groupKeys = new ArrayList<>();
        for (int i = 0; groupKeys.size() < 2; i++) {
            if (SlotHash.getSlot(RedisKeys.key(prefix, prefix + "-grp-" + i, GROUP)) == slot) {
                groupKeys.add(prefix + "-grp-" + i);
            }
        }
        List<BucketCall> group = List.of(new BucketCall(groupKeys.get(0), GROUP, 1),
                new BucketCall(groupKeys.get(1), GROUP, 2));
        int groupsAdmitted = 0;
        int groupsAsked = 0;
        List<String> keys = new ArrayList<>(migKeys);
        for (int i = 0; i < 30; i++) {
            keys.add("other-" + i); // all nodes, so batches mix the migrating slot with others
        }
        int from = Math.min(slot / 5461, 2);
        int to = (from + 1) % 3;
        Map<String, Integer> allowed = new HashMap<>();
        Map<String, Integer> asked = new HashMap<>();
        try (RedisBucketStore store = store(prefix, crossSlot, new ManualClock(T0))) {
            // keys 0-2 of the slot exist at the source before the move, 3-5 only come with the first decisions on them
            for (String k : migKeys.subList(0, 3)) {
                join(store.tryConsume(k, spec, 1).toCompletableFuture());
                allowed.merge(k, 1, Integer::sum);
                asked.merge(k, 1, Integer::sum);
            }
            CompletableFuture<Integer> migration = CompletableFuture.supplyAsync(() ->
                    CLUSTER.redisCluster().migrateSlot(slot, from, to, Duration.ofMillis(150)));
            int rounds = 0;
            boolean done = false;
            int after = 0;
            while (after < 20) {
                done |= migration.isDone();
                if (done) {
                    after++;
                }
                List<CompletableFuture<Decision>> round = new ArrayList<>();
                List<String> roundKeys = new ArrayList<>();
                List<CompletableFuture<List<Decision>>> groups = new ArrayList<>();
                for (int g = 0; g < 2; g++) {
                    groups.add(store.tryConsumeAll(group).toCompletableFuture());
                }
                for (String k : keys) {
                    int times = migKeys.contains(k) ? 3 : 1;
                    if (k.equals(migKeys.get(3)) && rounds < 5) {
                        continue; // first appears mid-migration
                    }
                    for (int t = 0; t < times; t++) {
                        round.add(store.tryConsume(k, spec, 1).toCompletableFuture());
                        roundKeys.add(k);
                    }
                }
                for (int i = 0; i < round.size(); i++) {
                    Decision d = join(round.get(i)); // a failure would throw here
                    asked.merge(roundKeys.get(i), 1, Integer::sum);
                    if (d.allowed()) {
                        allowed.merge(roundKeys.get(i), 1, Integer::sum);
                    }
                }
                for (CompletableFuture<List<Decision>> g : groups) {
                    List<Decision> d = g.orTimeout(30, TimeUnit.SECONDS).join(); // a failure would throw here
                    groupsAsked++;
                    if (BucketStore.admitted(d)) {
                        groupsAdmitted++;
                    }
                }
                rounds++;
            }
            int moved = migration.join();
            System.out.printf("slot %d migrated %d -> %d (%d keys) over %d rounds; %d decisions sent again after a"
                    + " refusal; lanes per %s%n", slot, from, to, moved, rounds,
                    store.clusterLanes().routedDecisions(), store.clusterLanes().crossSlot() ? "node" : "slot");
            assertThat(moved).isGreaterThanOrEqualTo(3);
            for (String k : keys) {
                assertThat(allowed.getOrDefault(k, 0)).as("admissions of %s", k)
                        .isEqualTo(Math.min(asked.get(k), 400));
            }
            assertThat(store.clusterLanes().routedDecisions()).as("the store met the migration").isPositive();
            // 40 tokens, 2 per group on the second bucket: exactly 20 groups pass, and a denied group took nothing,
            // so the first bucket gave exactly one token per admitted group
            assertThat(groupsAdmitted).isEqualTo(Math.min(groupsAsked, 20));
            List<Decision> left = store.tryConsumeAll(List.of(new BucketCall(groupKeys.get(0), GROUP, 0),
                    new BucketCall(groupKeys.get(1), GROUP, 0))).toCompletableFuture().join();
            assertThat(left.get(0).remaining()).isEqualTo(40 - groupsAdmitted);
            assertThat(left.get(1).remaining()).isEqualTo(40 - 2 * groupsAdmitted);
            // the slot lives on the target now, with the buckets carried over
            RedisClient client = RedisClient.create();
            try (StatefulRedisConnection<String, String> c = client.connect(
                    CLUSTER.redisCluster().nodes().get(to).uri())) {
                assertThat(c.sync().exists(RedisKeys.key(prefix, migKeys.get(0), spec))).isOne();
            } finally {
                client.shutdown();
            }
        }
    }

    /** Whether the harness runs Redis 7+ (the bundled fallback binary is 6.2). */
    static boolean redis7() {
        return redis7(CLUSTER.redisCluster());
    }

    /** Whether {@code cluster} runs Redis 7+. */
    static boolean redis7(RedisCluster cluster) {
        RedisClient client = RedisClient.create();
        try (StatefulRedisConnection<String, String> c = client.connect(cluster.nodes().get(0).uri())) {
            Matcher m = Pattern.compile("redis_version:(\\d+)\\.").matcher(c.sync().info("server"));
            return m.find() && Integer.parseInt(m.group(1)) >= 7;
        } finally {
            client.shutdown();
        }
    }
}
