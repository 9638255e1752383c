package io.tollgate.spring.keysapp;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.store.BucketCall;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.ForwardingBucketStore;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Delegates every call and records which bucket keys reached the store, and how many tokens were taken from each,
 * so tests can prove that a raw request value never becomes part of a key and wait for a post-response take.
 */
public final class RecordingStore extends ForwardingBucketStore {

    private final Set<String> keys = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, AtomicLong> takes = new ConcurrentHashMap<>();

    public RecordingStore(BucketStore delegate) {
        super(delegate);
    }

    /** Every bucket key asked about so far. */
    public Set<String> keys() {
        return Set.copyOf(keys);
    }

    /** Calls with a cost above 0 (takes; a check has cost 0) on {@code bucketKey} so far. */
    public long takes(String bucketKey) {
        AtomicLong n = takes.get(bucketKey);
        return n == null ? 0 : n.get();
    }

    /** Waits up to 5 s until {@code bucketKey} has seen {@code n} takes; false if it has not. */
    public boolean awaitTakes(String bucketKey, long n) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (takes(bucketKey) < n) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }

    private void record(String bucketKey, long cost) {
        keys.add(bucketKey);
        if (cost > 0) {
            takes.computeIfAbsent(bucketKey, k -> new AtomicLong()).incrementAndGet();
        }
    }

    @Override
    public CompletionStage<Decision> tryConsume(String bucketKey, BucketSpec spec, long cost) {
        record(bucketKey, cost);
        return delegate.tryConsume(bucketKey, spec, cost);
    }

    @Override
    public CompletionStage<List<Decision>> tryConsumeAll(List<BucketCall> calls) {
        calls.forEach(c -> record(c.bucketKey(), c.cost()));
        return delegate.tryConsumeAll(calls);
    }

    @Override
    public String describe() {
        return "recording " + delegate.describe();
    }
}
