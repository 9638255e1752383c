package io.tollgate.spring;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.StoreUnavailableException;
import io.tollgate.redis.RedisBucketStore;
import io.tollgate.redis.RedisConnectionSettings;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Redis store for {@code tollgate.redis.required-at-startup=false} when Redis was unreachable at startup. Until a
 * connection is made every call fails with {@link StoreUnavailableException}, so the failure policy decides; a call
 * triggers a connection attempt on a background daemon thread at most every {@link #RETRY_EVERY_NANOS}. Once
 * connected, calls go straight to the real store (which reconnects on its own after later outages).
 */
final class DeferredRedisStore implements BucketStore {

    private static final Logger log = LoggerFactory.getLogger(DeferredRedisStore.class);

    static final long RETRY_EVERY_NANOS = 5_000_000_000L;

    private final RedisConnectionSettings settings;
    private final AtomicReference<RedisBucketStore> delegate = new AtomicReference<>();
    private final AtomicBoolean connecting = new AtomicBoolean();
    private final AtomicLong nextAttemptNanos = new AtomicLong(System.nanoTime());
    private volatile boolean closed;

    DeferredRedisStore(RedisConnectionSettings settings) {
        this.settings = settings;
    }

    @Override
    public CompletionStage<Decision> tryConsume(String bucketKey, BucketSpec spec, long cost) {
        RedisBucketStore store = delegate.get();
        if (store != null) {
            return store.tryConsume(bucketKey, spec, cost);
        }
        maybeConnect();
        return CompletableFuture.failedFuture(unavailable());
    }

    @Override
    public CompletionStage<Void> ping() {
        RedisBucketStore store = delegate.get();
        if (store != null) {
            return store.ping();
        }
        maybeConnect();
        return CompletableFuture.failedFuture(unavailable());
    }

    private StoreUnavailableException unavailable() {
        return new StoreUnavailableException("not connected to " + settings.describeNodes() + " yet");
    }

    private void maybeConnect() {
        long now = System.nanoTime();
        long next = nextAttemptNanos.get();
        if (closed || now - next < 0 || !nextAttemptNanos.compareAndSet(next, now + RETRY_EVERY_NANOS)
                || !connecting.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                RedisBucketStore store = RedisBucketStore.connect(settings);
                if (closed) {
                    store.close();
                } else {
                    delegate.set(store);
                    log.info("Connected to {}; rate limits are shared again", settings.describeNodes());
                }
            } catch (RuntimeException e) {
                log.debug("Redis still unreachable: {}", e.getMessage()); // the store scrubs passwords from its messages
            } finally {
                connecting.set(false);
            }
        }, "tollgate-redis-connect");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public String describe() {
        RedisBucketStore store = delegate.get();
        return store != null ? store.describe() : "redis " + settings.describeNodes() + " (not connected)";
    }

    @Override
    public boolean distributed() {
        return true;
    }

    @Override
    public void close() {
        closed = true;
        RedisBucketStore store = delegate.getAndSet(null);
        if (store != null) {
            store.close();
        }
    }
}
