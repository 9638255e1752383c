package io.tollgate.core.store;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Test support, shared through the core test-jar: passes every call to a real store and counts the
 * {@code tryConsume}, {@code tryReserve} and {@code tryConsumeAll} calls that reach it and the tokens it granted.
 * {@link #down} makes those calls fail as if the store were unreachable.
 */
public class CountingBucketStore extends ForwardingBucketStore {

    public final AtomicInteger calls = new AtomicInteger();
    public final AtomicLong granted = new AtomicLong();
    public volatile boolean down;

    public CountingBucketStore(BucketStore delegate) {
        super(delegate);
    }

    @Override
    public CompletionStage<Decision> tryConsume(String bucketKey, BucketSpec spec, long cost) {
        return counted(cost, () -> delegate.tryConsume(bucketKey, spec, cost));
    }

    @Override
    public CompletionStage<Decision> tryReserve(String bucketKey, BucketSpec spec, long cost, long maxWaitMicros) {
        return counted(cost, () -> delegate.tryReserve(bucketKey, spec, cost, maxWaitMicros));
    }

    private CompletionStage<Decision> counted(long cost, Supplier<CompletionStage<Decision>> call) {
        calls.incrementAndGet();
        if (down) {
            return CompletableFuture.failedFuture(new StoreUnavailableException("connection refused"));
        }
        return call.get().thenApply(d -> {
            if (d.allowed()) {
                granted.addAndGet(cost);
            }
            return d;
        });
    }

    @Override
    public CompletionStage<List<Decision>> tryConsumeAll(List<BucketCall> requested) {
        calls.incrementAndGet();
        if (down) {
            return CompletableFuture.failedFuture(new StoreUnavailableException("connection refused"));
        }
        return delegate.tryConsumeAll(requested).thenApply(ds -> {
            if (BucketStore.admitted(ds)) {
                requested.forEach(c -> granted.addAndGet(c.cost()));
            }
            return ds;
        });
    }

    @Override
    public boolean distributed() {
        return true;
    }
}
