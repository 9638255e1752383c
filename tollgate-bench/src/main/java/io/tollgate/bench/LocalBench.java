package io.tollgate.bench;

import io.github.bucket4j.Bucket;
import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.store.InMemoryBucketStore;
import io.tollgate.core.store.MicrosClock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * In-process decisions: Tollgate's in-memory store against Bucket4j local buckets, both keyed by string over the same
 * 1,024 keys (the store's own map for Tollgate; a ConcurrentHashMap of buckets for Bucket4j, as an application would
 * hold them), with a refill so large that nearly every request is allowed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LocalBench {

    static final int KEYS = 1024;
    static final BucketSpec SPEC = BucketSpec.of(Limit.of(1_000_000_000L, 1_000_000_000L, RefillPeriod.SECOND));

    private final String[] keys = RedisBench.keys("user:", KEYS);
    private InMemoryBucketStore store;
    private ConcurrentHashMap<String, Bucket> buckets;

    @Setup
    public void setup() {
        store = new InMemoryBucketStore();
        buckets = new ConcurrentHashMap<>();
    }

    @State(Scope.Thread)
    public static class Cursor {
        int i = (int) (Thread.currentThread().getId() * 331);
    }

    private static Bucket newBucket(String k) {
        return Bucket.builder()
                .addLimit(l -> l.capacity(1_000_000_000L).refillGreedy(1_000_000_000L, Duration.ofSeconds(1)))
                .build();
    }

    @Benchmark
    public Decision tollgateInMemory(Cursor c) {
        return store.decide(keys[c.i++ & (KEYS - 1)], SPEC, 1, MicrosClock.MONOTONIC.nowMicros());
    }

    @Benchmark
    public boolean bucket4jLocal(Cursor c) {
        return buckets.computeIfAbsent(keys[c.i++ & (KEYS - 1)], LocalBench::newBucket).tryConsume(1);
    }
}
