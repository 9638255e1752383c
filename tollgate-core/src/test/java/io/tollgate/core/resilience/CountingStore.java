package io.tollgate.core.resilience;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.store.BucketStore;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/** Passes everything to a real store and counts the {@code tryConsume} calls that reach it. */
final class CountingStore implements BucketStore {

    private final BucketStore delegate;
    final AtomicInteger calls = new AtomicInteger();

    CountingStore(BucketStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public CompletionStage<Decision> tryConsume(String bucketKey, BucketSpec spec, long cost) {
        calls.incrementAndGet();
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
