package io.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.tollgate.core.store.ManualClock;
import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.testsupport.redis.RedisExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store against a real standalone redis-server. */
class RedisBucketStoreTest {

    @RegisterExtension
    static final RedisExtension REDIS = RedisExtension.standalone();

    static final BucketSpec SEED = BucketSpec.of(Limit.of(20, 5, RefillPeriod.SECOND));
    static final long T0 = 1_700_000_000_000_000L;

    static RedisClient client;
    static RedisCommands<String, String> redis;
    static RedisBucketStore store;          // Redis TIME
    static RedisBucketStore fixedStore;     // test clock
    static final ManualClock clock = new ManualClock(T0);

    @BeforeAll
    static void connect() {
        client = RedisClient.create(REDIS.server().uri());
        StatefulRedisConnection<String, String> c = client.connect();
        redis = c.sync();
        store = RedisBucketStore.connect(HarnessSettings.of(REDIS).withTimeout(Duration.ofSeconds(2)));
        fixedStore = RedisBucketStore.connect(HarnessSettings.of(REDIS).withTimeout(Duration.ofSeconds(2)), null, clock);
    }

    @AfterAll
    static void close() {
        store.close();
        fixedStore.close();
        client.shutdown();
    }

    static Decision decide(RedisBucketStore s, String key, BucketSpec spec, long cost) {
        return s.tryConsume(key, spec, cost).toCompletableFuture().orTimeout(5, TimeUnit.SECONDS).join();
    }

    static String keyOf(String bucketKey, BucketSpec spec) {
        return RedisKeys.key(RedisConnectionSettings.DEFAULT_KEY_PREFIX, bucketKey, spec);
    }

    static long commandCalls(String cmd) {
        Matcher m = Pattern.compile("cmdstat_" + cmd + ":calls=(\\d+)").matcher(redis.info("commandstats"));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    @Test
    void seedRuleAdmitsExactlyTwentyOfThirtyInstantaneousRequests() {
        int allowed = 0;
        for (int i = 0; i < 30; i++) {
            allowed += decide(fixedStore, "seed", SEED, 1).allowed() ? 1 : 0;
        }
        assertThat(allowed).isEqualTo(20);
    }

    @Test
    void burstWithRedisTimeAdmitsCapacityPlusRefillOnly() {
        long start = System.nanoTime();
        List<CompletableFuture<Decision>> all = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            all.add(store.tryConsume("burst", SEED, 1).toCompletableFuture());
        }
        long allowed = all.stream().map(CompletableFuture::join).filter(Decision::allowed).count();
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(allowed).isGreaterThanOrEqualTo(20).isLessThanOrEqualTo(20 + (long) Math.ceil(5 * seconds));
        Decision denied = decide(store, "burst", SEED, 1);
        if (!denied.allowed()) {
            assertThat(denied.retryAfterMicros()).isPositive().isLessThanOrEqualTo(200_000);
        }
    }

    @Test
    void refillsOverRealTime() throws InterruptedException {
        BucketSpec spec = BucketSpec.of(Limit.of(2, 10, RefillPeriod.SECOND));
        assertThat(decide(store, "real-refill", spec, 2).allowed()).isTrue();
        Decision denied = decide(store, "real-refill", spec, 1);
        assertThat(denied.allowed()).isFalse();
        Thread.sleep(250); // 10/s: at least two tokens back
        assertThat(decide(store, "real-refill", spec, 2).allowed()).isTrue();
    }

    @Test
    void refillsExactlyWithTheTestClock() {
        BucketSpec spec = BucketSpec.of(Limit.of(3, new java.math.BigDecimal("1.5"), RefillPeriod.SECOND));
        clock.set(T0 + 10_000_000);
        assertThat(decide(fixedStore, "exact-refill", spec, 3).allowed()).isTrue();
        clock.advanceMicros(666_666); // 0.999999 tokens
        assertThat(decide(fixedStore, "exact-refill", spec, 1).allowed()).isFalse();
        clock.advanceMicros(1); // 666_667 us x 3 units/us = one token (2_000_000 units) + 1 unit
        Decision d = decide(fixedStore, "exact-refill", spec, 1);
        assertThat(d.allowed()).isTrue();
        assertThat(spec.unitsPerToken(0)).isEqualTo(2_000_000);
        assertThat(d.level(0)).isEqualTo(1);
        assertThat(d.timestampMicros()).isEqualTo(T0 + 10_666_667);
    }

    @Test
    void multipleLimitsAreAllOrNothing() {
        BucketSpec spec = BucketSpec.of(Limit.of(5, 1, RefillPeriod.SECOND), Limit.of(3, 1, RefillPeriod.MINUTE));
        clock.set(T0 + 20_000_000);
        for (int i = 0; i < 3; i++) {
            assertThat(decide(fixedStore, "multi", spec, 1).allowed()).isTrue();
        }
        String key = keyOf("multi", spec);
        String before = redis.get(key);
        Decision denied = decide(fixedStore, "multi", spec, 1);
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.remaining(0)).isEqualTo(2);
        assertThat(denied.remaining(1)).isZero();
        assertThat(redis.get(key)).isEqualTo(before);
        // value layout: fixed-width binary t, level_1, level_2 (see RedisBatchScriptTest.value)
        assertThat(redis.strlen(key)).isEqualTo(7 + RedisBatchScriptTest.width(spec.capacityUnits(0))
                + RedisBatchScriptTest.width(spec.capacityUnits(1)));
    }

    @Test
    void costAboveOneTakesThatManyTokens() {
        BucketSpec spec = BucketSpec.of(Limit.of(10, 1, RefillPeriod.SECOND));
        clock.set(T0 + 30_000_000);
        assertThat(decide(fixedStore, "cost", spec, 4).remaining()).isEqualTo(6);
        assertThat(decide(fixedStore, "cost", spec, 4).remaining()).isEqualTo(2);
        Decision denied = decide(fixedStore, "cost", spec, 4);
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.retryAfterMicros()).isEqualTo(2_000_000);
    }

    @Test
    void costAboveCapacityNeverCallsRedis() {
        BucketSpec spec = BucketSpec.of(Limit.of(10, 1, RefillPeriod.SECOND));
        long evalsBefore = commandCalls("evalsha") + commandCalls("eval");
        Decision d = decide(store, "too-big", spec, 11);
        assertThat(d.reason()).isEqualTo(Decision.Reason.COST_EXCEEDS_CAPACITY);
        assertThat(redis.exists(keyOf("too-big", spec))).isZero();
        assertThat(commandCalls("evalsha") + commandCalls("eval")).isEqualTo(evalsBefore);
    }

    @Test
    void recoversTransparentlyAfterScriptFlush() {
        BucketSpec spec = BucketSpec.of(Limit.of(10, 1, RefillPeriod.SECOND));
        assertThat(decide(store, "flush", spec, 1).allowed()).isTrue();
        redis.scriptFlush();
        assertThat(redis.scriptExists(BucketScript.SHA1)).containsExactly(false);
        assertThat(decide(store, "flush", spec, 1).remaining()).isEqualTo(8);
        assertThat(redis.scriptExists(BucketScript.SHA1)).containsExactly(true);
    }

    @Test
    void everyWrittenKeyExpires() {
        BucketSpec a = BucketSpec.of(Limit.of(5, 1, RefillPeriod.HOUR));
        BucketSpec b = BucketSpec.of(Limit.of(100, 50, RefillPeriod.SECOND), Limit.of(1000, 1, RefillPeriod.DAY));
        for (int i = 0; i < 20; i++) {
            decide(store, "ttl-" + i, i % 2 == 0 ? a : b, 1);
        }
        int seen = 0;
        ScanIterator<String> it = ScanIterator.scan(redis, ScanArgs.Builder.matches("*").limit(100));
        while (it.hasNext()) {
            String k = it.next();
            seen++;
            assertThat(redis.pttl(k)).as("PTTL of %s", k).isPositive();
        }
        assertThat(seen).isGreaterThanOrEqualTo(20);
        // the longest key lives about as long as the bucket needs to refill: 1 token of 1/day
        assertThat(redis.pttl(keyOf("ttl-1", b))).isBetween(86_000_000L, 86_401_000L);
    }

    @Test
    void deniedRequestWritesNothing() {
        BucketSpec spec = BucketSpec.of(Limit.of(2, 1, RefillPeriod.MINUTE));
        clock.set(T0 + 40_000_000);
        decide(fixedStore, "nowrite", spec, 2);
        String key = keyOf("nowrite", spec);
        String state = redis.get(key);
        long ttl = redis.pttl(key);
        long sets = commandCalls("set");
        for (int i = 0; i < 5; i++) {
            assertThat(decide(fixedStore, "nowrite", spec, 1).allowed()).isFalse();
        }
        assertThat(redis.get(key)).isEqualTo(state);
        assertThat(redis.pttl(key)).isPositive().isLessThanOrEqualTo(ttl);
        assertThat(commandCalls("set")).isEqualTo(sets);
    }

    @Test
    void hostileBucketKeysAreHashedIntoOneSafeKey() {
        BucketSpec spec = BucketSpec.of(Limit.of(2, 1, RefillPeriod.MINUTE));
        String hostile = "a}{b c\n" + "x".repeat(200);
        assertThat(decide(store, hostile, spec, 1).allowed()).isTrue();
        String key = keyOf(hostile, spec);
        assertThat(key).matches("tollgate:\\{h:[A-Za-z0-9_-]{22}\\}:2[A-Za-z0-9_-]{5}");
        assertThat(redis.exists(key)).isOne();
        assertThat(RedisKeys.safe("user:42|GET")).isEqualTo("user:42|GET");
    }

    @Test
    void storeOnACallerConnectionLeavesCallerResourcesRunning() {
        io.lettuce.core.resource.ClientResources shared = io.lettuce.core.resource.DefaultClientResources.create();
        try {
            RedisBucketStore s = RedisBucketStore.connect(HarnessSettings.of(REDIS), shared, null);
            BucketSpec slow = BucketSpec.of(Limit.of(20, 5, RefillPeriod.MINUTE)); // no refill between the calls
            assertThat(decide(s, "shared", slow, 1).allowed()).isTrue();
            s.close();
            s.close(); // idempotent
            assertThat(shared.eventExecutorGroup().isShuttingDown()).isFalse();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.tryConsume("shared", slow, 1)
                            .toCompletableFuture().join())
                    .hasCauseInstanceOf(io.tollgate.core.store.StoreUnavailableException.class);

            RedisClient own = RedisClient.create(shared, REDIS.server().uri());
            try (RedisBucketStore onConnection = new RedisBucketStore(own.connect(io.lettuce.core.codec.StringCodec.UTF8),
                    HarnessSettings.of(REDIS), null)) {
                assertThat(decide(onConnection, "shared", slow, 1).remaining()).isEqualTo(18);
            }
            own.shutdown();
        } finally {
            shared.shutdown();
        }
    }

    @Test
    void pingDescribeAndDistributed() {
        store.ping().toCompletableFuture().orTimeout(5, TimeUnit.SECONDS).join();
        assertThat(store.describe()).isEqualTo("redis standalone 127.0.0.1:" + REDIS.server().port());
        assertThat(store.distributed()).isTrue();
    }
}
