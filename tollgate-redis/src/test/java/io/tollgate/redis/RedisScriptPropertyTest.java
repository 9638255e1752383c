package io.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.tollgate.core.store.BucketCall;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.ManualClock;
import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.store.InMemoryBucketStore;
import io.tollgate.core.store.ReferenceBucketStore;
import io.tollgate.testsupport.redis.RedisExtension;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Lua script and TokenBucket (via the in-memory store) decide identically for random sequences. */
class RedisScriptPropertyTest {

    @RegisterExtension
    static final RedisExtension REDIS = RedisExtension.standalone();

    @Test
    void scriptMatchesInMemoryStoreExactly() {
        Random random = new Random(20261128L);
        ManualClock clock = new ManualClock(0);
        RedisClient client = RedisClient.create(REDIS.server().uri());
        try (RedisBucketStore redis = RedisBucketStore.connect(HarnessSettings.of(REDIS).withTimeout(Duration.ofSeconds(2)),
                null, clock);
             StatefulRedisConnection<String, String> admin = client.connect()) {
            int lost = 0;
            sequences:
            for (int seq = 0; seq < 200; seq++) {
                BucketSpec spec = randomSpec(random);
                InMemoryBucketStore memory = ReferenceBucketStore.keepingEveryBucket(1000);
                String key = "prop-" + seq;
                long now = 1_700_000_000_000_000L + random.nextInt(1_000_000_000);
                for (int step = 0; step < 50; step++) {
                    now += timeStep(random);
                    long cost = random.nextInt(10) < 7 ? 1 : 1 + random.nextInt((int) spec.minCapacity() + 1);
                    clock.set(now);
                    Decision expected = memory.decide(key, spec, cost, now);
                    Decision actual = redis.tryConsume(key, spec, cost).toCompletableFuture().join();
                    String where = "seq " + seq + " step " + step + " spec " + spec + " cost " + cost;
                    assertThat(actual.reason()).as(where).isEqualTo(expected.reason());
                    assertThat(actual.timestampMicros()).as(where).isEqualTo(expected.timestampMicros());
                    for (int i = 0; i < spec.size(); i++) {
                        assertThat(actual.level(i)).as(where + " level " + i).isEqualTo(expected.level(i));
                    }
                    if (!keptInRealTime(admin.sync(), expected.allowed() ? List.of(redisKey(key, spec)) : List.of())) {
                        lost++;
                        continue sequences;
                    }
                }
            }
            assertThat(lost).as("sequences cut short by a real-time expiry").isLessThan(200 / 4);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /**
     * Random all-or-nothing requests over a few keys and two specs (repeats, checks, costs above a capacity, the
     * clock going backwards): the script and the in-memory store reach identical decisions, level by level.
     */
    @Test
    void groupsMatchInMemoryStoreExactly() {
        Random random = new Random(20261201L);
        ManualClock clock = new ManualClock(0);
        RedisAllOrNothingTest.withAdmin(REDIS, RedisBucketStore.connect(HarnessSettings.of(REDIS)
                .withTimeout(Duration.ofSeconds(2)), null, clock), (redis, admin) -> {
            int[] lost = {0};
            sequences:
            for (int seq = 0; seq < 60; seq++) {
                BucketSpec[] specs = {randomSpec(random), randomSpec(random)};
                InMemoryBucketStore memory = ReferenceBucketStore.keepingEveryBucket(1000);
                long now = 1_700_000_000_000_000L + random.nextInt(1_000_000_000);
                for (int step = 0; step < 40; step++) {
                    now += timeStep(random);
                    List<BucketCall> calls = new ArrayList<>();
                    for (int i = 1 + random.nextInt(4); i > 0; i--) {
                        BucketSpec spec = specs[random.nextInt(2)];
                        int kind = random.nextInt(10);
                        long cost = kind == 0 ? 0 : kind < 7 ? 1 : random.nextInt(50) == 0 ? spec.minCapacity() + 1
                                : 1 + random.nextInt((int) spec.minCapacity());
                        calls.add(new BucketCall("gprop-" + seq + "-" + random.nextInt(3), spec, cost));
                    }
                    clock.set(now);
                    List<Decision> expected = memory.decideAll(calls, now);
                    List<Decision> actual = redis.tryConsumeAll(calls).toCompletableFuture().join();
                    for (int d = 0; d < calls.size(); d++) {
                        String where = "seq " + seq + " step " + step + " call " + d + " of " + calls;
                        assertThat(actual.get(d).reason()).as(where).isEqualTo(expected.get(d).reason());
                        assertThat(actual.get(d).timestampMicros()).as(where)
                                .isEqualTo(expected.get(d).timestampMicros());
                        for (int i = 0; i < calls.get(d).spec().size(); i++) {
                            assertThat(actual.get(d).level(i)).as(where + " level " + i)
                                    .isEqualTo(expected.get(d).level(i));
                        }
                    }
                    List<String> written = new ArrayList<>();
                    if (BucketStore.admitted(expected)) {
                        calls.stream().filter(c -> c.cost() > 0).forEach(c -> written.add(redisKey(c.bucketKey(),
                                c.spec())));
                    }
                    if (!keptInRealTime(admin, written)) {
                        lost[0]++;
                        continue sequences;
                    }
                }
            }
            assertThat(lost[0]).as("sequences cut short by a real-time expiry").isLessThan(60 / 4);
        });
    }

    /**
     * Random reservations mixed with plain decisions on one key (waits from none to longer than any refill, costs up to
     * above a capacity, the clock going backwards): the script and {@code TokenBucket.tryReserve} via the in-memory
     * store agree on every outcome, wait, state time and level, so reservations queue up identically in both.
     */
    @Test
    void reservationsMatchInMemoryStoreExactly() {
        Random random = new Random(20261202L);
        ManualClock clock = new ManualClock(0);
        RedisAllOrNothingTest.withAdmin(REDIS, RedisBucketStore.connect(HarnessSettings.of(REDIS)
                .withTimeout(Duration.ofSeconds(2)), null, clock), (redis, admin) -> {
            int reservedLater = 0;
            int[] lost = {0};
            sequences:
            for (int seq = 0; seq < 120; seq++) {
                BucketSpec spec = randomSpec(random);
                InMemoryBucketStore memory = ReferenceBucketStore.keepingEveryBucket(1000);
                String key = "rprop-" + seq;
                long now = 1_700_000_000_000_000L + random.nextInt(1_000_000_000);
                for (int step = 0; step < 40; step++) {
                    now += random.nextInt(4) == 0 ? timeStep(random) : random.nextInt(50_000);
                    long cost = random.nextInt(10) < 6 ? 1 : random.nextInt(30) == 0 ? spec.minCapacity() + 1
                            : 1 + random.nextInt((int) spec.minCapacity());
                    long maxWait = switch (random.nextInt(4)) {
                        case 0 -> 0;
                        case 1 -> random.nextInt(1_000);
                        case 2 -> random.nextInt(5_000_000);
                        default -> 3_600_000_000L * (1 + random.nextInt(48));
                    };
                    clock.set(now);
                    boolean reserve = maxWait > 0 && random.nextInt(4) != 0;
                    Decision expected = reserve ? memory.reserve(key, spec, cost, maxWait, now)
                            : memory.decide(key, spec, cost, now);
                    Decision actual = (reserve ? redis.tryReserve(key, spec, cost, maxWait)
                            : redis.tryConsume(key, spec, cost)).toCompletableFuture().join();
                    String where = "seq " + seq + " step " + step + " spec " + spec + " cost " + cost
                            + (reserve ? " reserve within " + maxWait : "");
                    assertThat(actual.reason()).as(where).isEqualTo(expected.reason());
                    assertThat(actual.aheadMicros()).as(where).isEqualTo(expected.aheadMicros());
                    assertThat(actual.timestampMicros()).as(where).isEqualTo(expected.timestampMicros());
                    for (int i = 0; i < spec.size(); i++) {
                        assertThat(actual.level(i)).as(where + " level " + i).isEqualTo(expected.level(i));
                    }
                    if (reserve && actual.allowed() && actual.aheadMicros() > 0) {
                        reservedLater++;
                        assertThat(actual.aheadMicros()).as(where + ": never a wait above the longest").isLessThanOrEqualTo(maxWait);
                    }
                    if (!keptInRealTime(admin, expected.allowed() ? List.of(redisKey(key, spec)) : List.of())) {
                        lost[0]++;
                        continue sequences;
                    }
                }
            }
            assertThat(lost[0]).as("sequences cut short by a real-time expiry").isLessThan(120 / 4);
            assertThat(reservedLater).as("reservations that had to wait").isGreaterThan(100);
        });
    }

    /**
     * Takes the TTL off every key of the step, since Redis expires keys in real time while the simulation runs on its
     * own clock. False when a key the step wrote had already expired in the real time between the script and this
     * call (a stalled machine: every TTL here is at least 200 ms): Redis then holds a full bucket where the simulation
     * does not, so the sequence cannot go on, though every decision so far was checked.
     */
    static boolean keptInRealTime(RedisCommands<String, String> admin, List<String> written) {
        for (String key : written) {
            if (!admin.persist(key) && admin.exists(key) == 0) {
                return false;
            }
        }
        return true;
    }

    static String redisKey(String bucketKey, BucketSpec spec) {
        return RedisKeys.key(RedisConnectionSettings.DEFAULT_KEY_PREFIX, bucketKey, spec);
    }

    /** Mostly small steps, some zero, some backwards, some long. */
    static long timeStep(Random r) {
        int kind = r.nextInt(10);
        return switch (kind) {
            case 0, 1 -> 0;
            case 2 -> -r.nextInt(2_000_000);
            case 3 -> r.nextInt(7_200) * 1_000_000L;
            default -> r.nextInt(400_000);
        };
    }

    /**
     * Random limits of at most 5 tokens per second: then any written key lives at least 200 ms of real time, and the
     * test removes each TTL right after the step, so Redis expiry (real time) never disagrees with the simulated clock.
     */
    static BucketSpec randomSpec(Random r) {
        int n = 1 + r.nextInt(3);
        List<Limit> limits = new ArrayList<>();
        while (limits.size() < n) {
            RefillPeriod period = RefillPeriod.values()[r.nextInt(3)];
            long maxCentiTokens = period == RefillPeriod.SECOND ? 500 : period == RefillPeriod.MINUTE ? 30_000 : 1_000_000;
            BigDecimal rate = BigDecimal.valueOf(1 + r.nextLong(maxCentiTokens), r.nextInt(3) == 0 ? 0 : 2)
                    .min(BigDecimal.valueOf(maxCentiTokens, 2).max(BigDecimal.ONE));
            long capacity = 1 + r.nextInt(r.nextBoolean() ? 5 : 500);
            try {
                limits.add(Limit.of(capacity, rate, period));
            } catch (IllegalArgumentException tooLarge) {
                // not exactly computable: draw again
            }
        }
        return BucketSpec.of(limits);
    }
}
