package io.tollgate.core.store;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Test support, shared through the core test-jar: passes every {@link BucketStore} call, {@code tryReserve} and
 * {@code close} included, unchanged to {@link #delegate}. Test stores extend it and override only what they change.
 */
public class ForwardingBucketStore implements BucketStore {

    protected final BucketStore delegate;

    public ForwardingBucketStore(BucketStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public CompletionStage<Decision> tryConsume(String bucketKey, BucketSpec spec, long cost) {
        return delegate.tryConsume(bucketKey, spec, cost);
    }

    @Override
    public CompletionStage<Decision> tryReserve(String bucketKey, BucketSpec spec, long cost, long maxWaitMicros) {
        return delegate.tryReserve(bucketKey, spec, cost, maxWaitMicros);
    }

    @Override
    public CompletionStage<List<Decision>> tryConsumeAll(List<BucketCall> calls) {
        return delegate.tryConsumeAll(calls);
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
        return delegate.distributed();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
