package io.tollgate.core.store;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Test support, shared through the core test-jar: passes every call to a real store and counts the
 * {@code tryConsume} calls that reach it and the tokens it granted. {@link #down} makes every call fail as if the
 * store were unreachable.
 */
public class CountingBucketStore implements BucketStore {

    private final BucketStore delegate;
    public final AtomicInteger calls = new AtomicInteger();
    public final AtomicLong granted = new AtomicLong();
    public volatile boolean down;

    public CountingBucketStore(BucketStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public CompletionStage<Decision> tryConsume(String bucketKey, BucketSpec spec, long cost) {
        calls.incrementAndGet();
        if (down) {
            return CompletableFuture.failedFuture(new StoreUnavailableException("connection refused"));
        }
        return delegate.tryConsume(bucketKey, spec, cost).thenApply(d -> {
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
    public CompletionStage<Void> ping() {
        return delegate.ping();
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public boolean distributed() {
        return true;
    }

    @Override
    public void close() {
        delegate.close();
    }
}
