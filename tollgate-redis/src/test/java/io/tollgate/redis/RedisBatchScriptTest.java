package io.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.sync.RedisCommands;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code tollgate_batch.lua} driven directly with whole batches (built by {@link DecisionBatch}, as the store builds
 * them): decisions in a batch are exactly the in-memory math applied one after the other, and the stored value obeys
 * its layout, TTL, no-write-on-denial and migration rules.
 */
class RedisBatchScriptTest {

    @RegisterExtension
    static final RedisExtension REDIS = RedisExtension.standalone();

    static final BucketSpec DEFAULT_RULE = BucketSpec.of(Limit.of(20, 5, RefillPeriod.SECOND));
    static final long T0 = 1_700_000_000_000_000L;

    static RedisClient client;
    static RedisCommands<String, String> redis;
    static RedisCommands<byte[], byte[]> raw;
    final SpecArguments arguments = new SpecArguments(100);

    @BeforeAll
    static void connect() {
        client = RedisClient.create(REDIS.server().uri());
        redis = client.connect().sync();
        raw = client.connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE).sync();
    }

    @AfterAll
    static void close() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    @BeforeEach
    void flush() {
        redis.flushall();
    }

    /** One decision of a batch, with the future its reply completes. */
    static PendingDecision decision(String key, BucketSpec spec, long cost) {
        return new PendingDecision(key, spec, cost, new CompletableFuture<>());
    }

    /** Runs the batch at {@code now} (0 = server TIME) and returns its decisions. */
    List<Decision> run(List<PendingDecision> batch, long now) {
        DecisionBatch b = DecisionBatch.of(batch, Long.toString(now), arguments);
        List<Object> reply = redis.eval(BucketScript.TEXT, ScriptOutputType.MULTI, b.keys, b.argv);
        b.complete(reply);
        List<Decision> out = new ArrayList<>();
        for (PendingDecision p : batch) {
            out.add(p.out.join());
        }
        return out;
    }

    /**
     * Runs the batch at {@code now} and drops the TTL of {@code keys} in the same MULTI/EXEC, so Redis's real-time
     * expiry cannot disagree with the simulated clock: nested commands of a transaction see one frozen time, and no
     * other command runs in between. (Dropping the TTLs after the step's assertions, as this test once did, lost
     * buckets whenever the step took longer than the shortest TTL, about 200 ms at 5 tokens/s: the first step of a
     * cold JVM under load does.) The script's TTLs themselves are checked by the tests below.
     */
    List<Decision> runAndPersist(List<PendingDecision> batch, long now, Set<String> keys) {
        DecisionBatch b = DecisionBatch.of(batch, Long.toString(now), arguments);
        redis.multi();
        redis.eval(BucketScript.TEXT, ScriptOutputType.MULTI, b.keys, b.argv);
        for (String key : keys) {
            redis.persist(key);
        }
        TransactionResult tx = redis.exec();
        assertThat(tx.wasDiscarded()).isFalse();
        b.complete(tx.get(0));
        List<Decision> out = new ArrayList<>();
        for (PendingDecision p : batch) {
            out.add(p.out.join());
        }
        return out;
    }

    /** The stored value as {@code [t, level_1, ...]}: big-endian, 7 bytes of t, then per level the fewest bytes
     * that hold its capacity (see the script header). */
    static long[] value(String key, BucketSpec spec) {
        byte[] v = raw.get(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        long[] out = new long[1 + spec.size()];
        int at = 0;
        for (int f = 0; f < out.length; f++) {
            int w = f == 0 ? 7 : width(spec.capacityUnits(f - 1));
            for (int b = 0; b < w; b++) {
                out[f] = (out[f] << 8) | (v[at++] & 0xFF);
            }
        }
        assertThat(at).as("value length").isEqualTo(v.length);
        return out;
    }

    static int width(long cap) {
        int w = 1;
        while (w < 7 && cap >= 1L << (8 * w)) {
            w++;
        }
        return w;
    }

    static long commandCalls(String cmd) {
        Matcher m = Pattern.compile("cmdstat_" + cmd + ":calls=(\\d+)").matcher(redis.info("commandstats"));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    @Test
    void randomBatchesWithRepeatedKeysAndMixedSpecsMatchTheInMemoryMath() {
        Random random = new Random(20261201L);
        for (int round = 0; round < 60; round++) {
            InMemoryBucketStore memory = ReferenceBucketStore.keepingEveryBucket(1000);
            List<BucketSpec> specs = new ArrayList<>();
            for (int s = 1 + random.nextInt(3); s > 0; s--) {
                specs.add(RedisScriptPropertyTest.randomSpec(random));
            }
            long now = T0 + random.nextInt(1_000_000_000);
            for (int step = 0; step < 25; step++) {
                now += RedisScriptPropertyTest.timeStep(random);
                int size = 1 + random.nextInt(random.nextBoolean() ? 4 : 48);
                List<PendingDecision> batch = new ArrayList<>();
                List<String> bucketKeys = new ArrayList<>();
                Set<String> redisKeys = new LinkedHashSet<>();
                for (int d = 0; d < size; d++) {
                    BucketSpec spec = specs.get(random.nextInt(specs.size()));
                    String bucketKey = "r" + round + "-" + random.nextInt(3); // few keys: many repeats per batch
                    long cost = random.nextInt(10) < 7 ? 1 : 1 + random.nextInt((int) spec.minCapacity());
                    String key = RedisKeys.key("t", bucketKey, spec);
                    batch.add(decision(key, spec, cost));
                    bucketKeys.add(bucketKey);
                    redisKeys.add(key);
                }
                List<Decision> actual = runAndPersist(batch, now, redisKeys);
                for (int d = 0; d < size; d++) {
                    PendingDecision p = batch.get(d);
                    Decision expected = memory.decide(bucketKeys.get(d), p.spec, p.cost, now);
                    String where = "round " + round + " step " + step + " decision " + d + " spec " + p.spec
                            + " cost " + p.cost;
                    assertThat(actual.get(d).reason()).as(where).isEqualTo(expected.reason());
                    assertThat(actual.get(d).timestampMicros()).as(where).isEqualTo(expected.timestampMicros());
                    for (int i = 0; i < p.spec.size(); i++) {
                        assertThat(actual.get(d).level(i)).as(where + " level " + i).isEqualTo(expected.level(i));
                    }
                }
            }
        }
    }

    @Test
    void aRepeatedKeySeesTheEarlierDecisionAndIsWrittenOnceWithItsFinalState() {
        String key = RedisKeys.key("t", "repeat", DEFAULT_RULE);
        long sets = commandCalls("set");
        List<PendingDecision> batch = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            batch.add(decision(key, DEFAULT_RULE, 1));
        }
        List<Decision> out = run(batch, T0);
        assertThat(out.stream().filter(Decision::allowed).count()).isEqualTo(20);
        assertThat(out.get(19).remaining()).isZero();
        assertThat(out.get(20).allowed()).isFalse();
        assertThat(commandCalls("set") - sets).isOne();
        assertThat(value(key, DEFAULT_RULE)).containsExactly(T0, 0);
        // empty bucket of 20 @ 5/s: full again after 4 s
        assertThat(redis.pttl(key)).isBetween(3_000L, 4_001L);
    }

    @Test
    void everyWrittenKeyHasATtlAndADenialWritesNothing() {
        BucketSpec slow = BucketSpec.of(Limit.of(2, 1, RefillPeriod.MINUTE), Limit.of(5, 1, RefillPeriod.HOUR));
        List<PendingDecision> batch = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            batch.add(decision(RedisKeys.key("t", "ttl-" + i, i % 2 == 0 ? slow : DEFAULT_RULE), i % 2 == 0
                    ? slow : DEFAULT_RULE, 1));
        }
        run(batch, 0);
        for (PendingDecision p : batch) {
            assertThat(redis.pttl(p.redisKey)).as(p.redisKey).isPositive();
        }
        String key = RedisKeys.key("t", "drained", slow);
        run(List.of(decision(key, slow, 2)), T0);
        String value = redis.get(key);
        long ttl = redis.pttl(key);
        long sets = commandCalls("set");
        List<Decision> denied = run(List.of(decision(key, slow, 1), decision(key, slow, 1), decision(key, slow, 2)),
                T0 + 1_000);
        assertThat(denied).noneMatch(Decision::allowed);
        assertThat(redis.get(key)).isEqualTo(value);
        assertThat(redis.pttl(key)).isPositive().isLessThanOrEqualTo(ttl);
        assertThat(commandCalls("set")).isEqualTo(sets);
    }

    /** Runs the previous layout's single-decision script, as an instance not yet upgraded does. */
    static List<Object> oldScript(String legacyKey, BucketSpec spec, long cost, long now) {
        String[] argv = new String[2 + 3 * spec.size()];
        argv[0] = Long.toString(now);
        argv[1] = Long.toString(cost);
        for (int i = 0; i < spec.size(); i++) {
            argv[2 + 3 * i] = Long.toString(spec.capacityUnits(i));
            argv[3 + 3 * i] = Long.toString(spec.unitsPerMicro(i));
            argv[4 + 3 * i] = Long.toString(spec.unitsPerToken(i));
        }
        return redis.eval(OLD_SCRIPT, ScriptOutputType.MULTI, new String[] {legacyKey}, argv);
    }

    static final String OLD_SCRIPT;

    static {
        try (java.io.InputStream in = RedisBatchScriptTest.class.getResourceAsStream("/io/tollgate/redis/tollgate.lua")) {
            OLD_SCRIPT = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aBucketOfThePreviousLayoutIsNeitherReadNorTouchedAndOldInstancesKeepWorkingOnIt() {
        // the previous layout's key of the same bucket: tollgate.lua's hash at <prefix>:{<bucketKey>}:<8 hex digits>
        String legacy = "t:{" + RedisKeys.safe("old") + "}:" + DEFAULT_RULE.fingerprint();
        String key = RedisKeys.key("t", "old", DEFAULT_RULE);
        assertThat(legacy).isNotEqualTo(key);
        long upt = DEFAULT_RULE.unitsPerToken(0);
        // an old instance drains its bucket to 1 token at T0 (tollgate.lua: 19 allowed, then it holds a hash)
        for (int i = 0; i < 19; i++) {
            assertThat(oldScript(legacy, DEFAULT_RULE, 1, T0).get(0)).isEqualTo(1L);
        }
        assertThat(redis.type(legacy)).isEqualTo("hash");
        // a new instance starts from a full bucket of its own: cost 2 is allowed, written to the new key only
        Decision allowed = run(List.of(decision(key, DEFAULT_RULE, 2)), T0).get(0);
        assertThat(allowed.allowed()).isTrue();
        assertThat(value(key, DEFAULT_RULE)).containsExactly(T0, 18 * upt);
        assertThat(redis.type(legacy)).isEqualTo("hash");
        assertThat(redis.hget(legacy, "1")).isEqualTo(Long.toString(upt));
        // the old script keeps deciding on its own key without WRONGTYPE, and the new key is not disturbed by it
        assertThat(oldScript(legacy, DEFAULT_RULE, 1, T0).get(0)).isEqualTo(1L);
        assertThat(oldScript(legacy, DEFAULT_RULE, 1, T0).get(0)).isEqualTo(0L);
        assertThat(value(key, DEFAULT_RULE)).containsExactly(T0, 18 * upt);
    }

    @Test
    void aDefaultRuleBucketOfAnIpv4ClientTakes104Bytes() {
        int major = serverMajor();
        // a default-rule bucket of an IPv4 client, key as the limiter builds it: tollgate:{default:ip:...}:2<fp>
        for (String ip : new String[] {"203.0.113.77", "255.255.255.255", "1.2.3.4"}) {
            String key = RedisKeys.key(RedisConnectionSettings.DEFAULT_KEY_PREFIX, "default:ip:" + ip, DEFAULT_RULE);
            run(List.of(decision(key, DEFAULT_RULE, 1)), 0);
            long usage = redis.memoryUsage(key);
            int bytes = raw.get(key.getBytes(java.nio.charset.StandardCharsets.UTF_8)).length;
            assertThat(key.length()).isLessThanOrEqualTo(44);
            assertThat(bytes).isEqualTo(10);
            assertThat(redis.objectEncoding(key)).isEqualTo("embstr");
            // MEMORY USAGE of a string key (standalone) = sizeof(dictEntry) 24 + the key name's sds allocation + the
            // value. The key's allocation is the allocator's size class for sdshdr8 (3) + length + 1, which depends
            // on how jemalloc was built (Redis's bundled one: 8-byte spacing, a distribution's: 16), so it is read
            // off a probe key of the same length holding an integer (an INT-encoded value counts sizeof(robj) = 16
            // on every version). The embstr value is one allocation of robj 16 + sdshdr8 3 + 10 + 1 = 30 bytes, a
            // 32-byte class with either spacing; Redis 7+ reports that allocation, Redis 6.2 reports
            // sdslen + 2 + sizeof(robj) = 28 without the allocator's rounding (object.c, objectComputeSize).
            String probe = "p" + key.substring(1);
            redis.set(probe, "1");
            assertThat(redis.objectEncoding(probe)).isEqualTo("int");
            long keyAlloc = redis.memoryUsage(probe) - 24 - 16;
            long valueAlloc = 32;
            long expected = 24 + keyAlloc + (major >= 7 ? valueAlloc : bytes + 2 + 16);
            System.out.printf("MEMORY USAGE of %s (%d chars) on Redis %d: %d B (key %d B), value %d bytes%n", key,
                    key.length(), major, usage, keyAlloc, bytes);
            assertThat(usage).as("MEMORY USAGE on Redis %d", major).isEqualTo(expected);
            // what the bucket really takes, on either version: 24 + 40 or 48 (a key of 29-44 characters) + 32
            assertThat(keyAlloc).isBetween(40L, 48L);
            assertThat(24 + keyAlloc + valueAlloc).isLessThanOrEqualTo(104);
        }
    }

    static int serverMajor() {
        Matcher m = Pattern.compile("redis_version:(\\d+)\\.").matcher(redis.info("server"));
        assertThat(m.find()).isTrue();
        return Integer.parseInt(m.group(1));
    }
}
