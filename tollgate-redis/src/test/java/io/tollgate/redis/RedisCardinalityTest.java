package io.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.testsupport.redis.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Many distinct clients: memory per bucket, a TTL on every key, and hostile client keys kept out of Redis. */
class RedisCardinalityTest {

    static final int KEYS = 200_000;
    static final int WINDOW = 512;
    static final BucketSpec SPEC = BucketSpec.of(Limit.of(100, 1, RefillPeriod.MINUTE)); // 1 token back = 60 s TTL
    /** The key layout of {@link RedisKeys}: {@code tollgate:{<bucket key>}:2<fp>}, here with SPEC's suffix. */
    static final Pattern KEY = Pattern.compile("tollgate:\\{([^{}]+)\\}:" + Pattern.quote(RedisKeys.suffix(SPEC)));

    @Test
    void twoHundredThousandKeysAreSmallAllExpireAndHostileKeysStayOut() throws Exception {
        try (RedisServer server = RedisServer.start();
             RedisBucketStore store = RedisBucketStore.connect(HarnessSettings.of(server).withTimeout(Duration.ofSeconds(5)))) {
            RedisClient client = RedisClient.create();
            try (StatefulRedisConnection<String, String> conn = client.connect(server.uri())) {
                RedisCommands<String, String> redis = conn.sync();
                conn.setTimeout(Duration.ofSeconds(30));
                store.tryConsume("warm-up", SPEC, 1).toCompletableFuture().get(10, TimeUnit.SECONDS); // script cached
                long before = usedMemory(redis);

                long start = System.nanoTime();
                Semaphore window = new Semaphore(WINDOW);
                AtomicInteger errors = new AtomicInteger();
                AtomicReference<Throwable> firstError = new AtomicReference<>();
                for (int i = 0; i < KEYS; i++) {
                    if (!window.tryAcquire(30, TimeUnit.SECONDS)) {
                        throw new AssertionError("no call completed within 30 s");
                    }
                    store.tryConsume("client-" + i, SPEC, 1).whenComplete((d, e) -> {
                        if (e != null) {
                            errors.incrementAndGet();
                            firstError.compareAndSet(null, e);
                        }
                        window.release();
                    });
                }
                assertThat(window.tryAcquire(WINDOW, 30, TimeUnit.SECONDS)).isTrue();
                long writeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertThat(errors.get()).as("failed calls, first: %s", firstError.get()).isZero();
                long after = usedMemory(redis);
                double perKey = (after - before) / (double) KEYS;

                // A hostile client key: 10 kB with control bytes, CRLF, NUL and braces.
                StringBuilder hostile = new StringBuilder();
                while (hostile.length() < 10_000) {
                    hostile.append("EVIL}{\r\nSET x y\r\n\u0000\u0001\u001b[2J{tag}\u00ff\u2028");
                }
                String hostileKey = RedisKeys.key("tollgate", hostile.toString(), SPEC);
                assertThat(store.tryConsume(hostile.toString(), SPEC, 1).toCompletableFuture()
                        .get(10, TimeUnit.SECONDS).allowed()).isTrue();
                assertThat(hostileKey).matches("tollgate:\\{h:[A-Za-z0-9_-]{22}\\}:2[A-Za-z0-9_-]{5}");
                assertThat(hostileKey).endsWith(":" + RedisKeys.suffix(SPEC));
                assertThat(hostileKey.length()).isLessThanOrEqualTo(64);
                assertThat(hostileKey.chars().filter(c -> c == '{').count()).isOne();
                assertThat(hostileKey.chars().filter(c -> c == '}').count()).isOne();
                assertThat(hostileKey).doesNotContain("EVIL").doesNotContain("\r").doesNotContain("\n");
                assertThat(redis.exists(hostileKey)).isOne();

                // Every key: the expected shape and a TTL.
                RedisAsyncCommands<String, String> async = conn.async();
                long scanned = 0;
                long noTtl = 0;
                long sampled = 0;
                long sampledBytes = 0;
                ScanCursor cursor = ScanCursor.INITIAL;
                long scanStart = System.nanoTime();
                do {
                    KeyScanCursor<String> page = redis.scan(cursor, ScanArgs.Builder.limit(5_000));
                    List<RedisFuture<Long>> ttls = new ArrayList<>();
                    for (String k : page.getKeys()) {
                        Matcher m = KEY.matcher(k);
                        assertThat(m.matches()).as("key shape of %s", k).isTrue();
                        assertThat(k).doesNotContain("EVIL");
                        ttls.add(async.pttl(k));
                    }
                    for (RedisFuture<Long> f : ttls) {
                        if (f.get(30, TimeUnit.SECONDS) <= 0) {
                            noTtl++;
                        }
                    }
                    if (!page.getKeys().isEmpty() && scanned % 200 < page.getKeys().size()) {
                        for (String k : page.getKeys().subList(0, Math.min(5, page.getKeys().size()))) {
                            Long bytes = redis.memoryUsage(k);
                            if (bytes != null) {
                                sampledBytes += bytes;
                                sampled++;
                            }
                        }
                    }
                    scanned += page.getKeys().size();
                    cursor = page;
                    assertThat(System.nanoTime() - scanStart).as("scan time").isLessThan(TimeUnit.SECONDS.toNanos(60));
                } while (!cursor.isFinished());

                System.out.printf("cardinality: %d keys written in %d ms (%d/s); used_memory %d -> %d bytes = %.1f"
                                + " bytes/key; %d keys scanned, %d without TTL; MEMORY USAGE mean %.1f bytes over %d"
                                + " sampled keys; hostile 10 kB key -> %s%n", KEYS, writeMs, KEYS * 1000L
                                / Math.max(1, writeMs), before, after, perKey, scanned, noTtl,
                        sampledBytes / (double) Math.max(1, sampled), sampled, hostileKey);
                assertThat(scanned).isEqualTo(KEYS + 2); // + warm-up + hostile
                assertThat(redis.dbsize()).isEqualTo(KEYS + 2);
                assertThat(noTtl).as("keys without a TTL").isZero();
                assertThat(redis.info("keyspace")).contains("keys=" + (KEYS + 2) + ",expires=" + (KEYS + 2) + ",");
                assertThat(perKey).as("used_memory growth per key").isLessThan(200);
                assertThat(sampled).isPositive();
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
    }

    static long usedMemory(RedisCommands<String, String> redis) {
        return redis.info("memory").lines().filter(l -> l.startsWith("used_memory:"))
                .mapToLong(l -> Long.parseLong(l.substring("used_memory:".length()).trim())).findFirst()
                .orElseThrow();
    }
}
