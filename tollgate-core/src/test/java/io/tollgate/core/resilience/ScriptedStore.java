package io.tollgate.core.resilience;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.TokenBucket;
import io.tollgate.core.store.BucketCall;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.StoreTimeoutException;
import io.tollgate.core.store.StoreUnavailableException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/** A tiny store test double: answers, fails or hangs as told, and counts the calls that reach it. */
final class ScriptedStore implements BucketStore {

    enum Mode { ALLOW, TIMEOUT, UNAVAILABLE, HANG, BUG }

    volatile Mode mode = Mode.ALLOW;
    final AtomicInteger calls = new AtomicInteger();
    final List<CompletableFuture<?>> hanging = new ArrayList<>();

    @Override
    public CompletionStage<Decision> tryConsume(String bucketKey, BucketSpec spec, long cost) {
        return answer(() -> Decision.of(spec, cost, true, TokenBucket.full(spec), 0));
    }

    @Override
    public CompletionStage<List<Decision>> tryConsumeAll(List<BucketCall> calls) {
        return answer(() -> calls.stream()
                .map(c -> Decision.of(c.spec(), c.cost(), true, TokenBucket.full(c.spec()), 0)).toList());
    }

    @Override
    public CompletionStage<Void> ping() {
        return answer(() -> null);
    }

    private <T> CompletionStage<T> answer(java.util.function.Supplier<T> value) {
        calls.incrementAndGet();
        switch (mode) {
            case ALLOW:
                return CompletableFuture.completedFuture(value.get());
            case TIMEOUT:
                return CompletableFuture.failedFuture(new StoreTimeoutException("timed out", null));
            case UNAVAILABLE:
                return CompletableFuture.failedFuture(new StoreUnavailableException("connection refused"));
            case BUG:
                return CompletableFuture.failedFuture(new IllegalStateException("bug"));
            case HANG:
            default: {
                CompletableFuture<T> f = new CompletableFuture<>();
                synchronized (hanging) {
                    hanging.add(f);
                }
                return f;
            }
        }
    }

    @Override
    public String describe() {
        return "scripted";
    }

    @Override
    public boolean distributed() {
        return true;
    }

    @Override
    public void close() {
    }
}
