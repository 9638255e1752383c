package io.tollgate.core.resilience;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.StoreUnavailableException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/** Passes everything to a real store and counts the {@code tryConsume} calls that reach it. */
final class CountingStore implements BucketStore {

    private final BucketStore delegate;
    final AtomicInteger calls = new AtomicInteger();
    /** When set, every call fails as if the store were unreachable. */
    volatile boolean down;

    CountingStore(BucketStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public CompletionStage<Decision> tryConsume(String bucketKey, BucketSpec spec, long cost) {
        calls.incrementAndGet();
        if (down) {
            return CompletableFuture.failedFuture(new StoreUnavailableException("connection refused"));
        }
        return delegate.tryConsume(bucketKey, spec, cost);
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
