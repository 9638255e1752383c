package io.tollgate.redis;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.store.BucketCall;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.MicrosClock;
import io.tollgate.core.store.StoreUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Redis store for an application that must start while Redis is unreachable (the starter's
 * {@code tollgate.redis.required-at-startup=false}). Until a connection is made every call fails at once with
 * {@link StoreUnavailableException}, so the caller's failure policy decides; a call triggers a connection attempt on a
 * background daemon thread at most once per retry interval (never on the caller's thread, which may be an event loop).
 * Once connected, calls go straight to the real {@link RedisBucketStore}, which reconnects on its own after later
 * outages.
 */
public final class DeferredRedisStore implements BucketStore {

    private static final Logger log = LoggerFactory.getLogger(DeferredRedisStore.class);

    /** How often a call may start a connection attempt by default. */
    public static final Duration DEFAULT_RETRY_EVERY = Duration.ofSeconds(5);

    private final RedisConnectionSettings settings;
    private final long retryEveryMicros;
    private final MicrosClock clock;
    private final Function<RedisConnectionSettings, RedisBucketStore> connect;
    private final AtomicReference<RedisBucketStore> delegate = new AtomicReference<>();
    private final AtomicBoolean connecting = new AtomicBoolean();
    private final AtomicLong nextAttemptMicros;
    private volatile boolean closed;

    public DeferredRedisStore(RedisConnectionSettings settings) {
        this(settings, DEFAULT_RETRY_EVERY, MicrosClock.MONOTONIC);
    }

    public DeferredRedisStore(RedisConnectionSettings settings, Duration retryEvery, MicrosClock clock) {
        this(settings, retryEvery, clock, RedisBucketStore::connect);
    }

    /**
     * @param retryEvery at most one connection attempt per this interval
     * @param clock      a monotonic clock: only intervals count
     * @param connect    makes the real store, blocking (it runs on the background thread), e.g. on shared client
     *                   resources: {@code s -> RedisBucketStore.connect(s, resources, null)}
     */
    public DeferredRedisStore(RedisConnectionSettings settings, Duration retryEvery, MicrosClock clock,
            Function<RedisConnectionSettings, RedisBucketStore> connect) {
        this.connect = Objects.requireNonNull(connect, "connect");
        if (retryEvery == null || retryEvery.isNegative() || retryEvery.isZero()) {
            throw new IllegalArgumentException("retry interval must be positive, got " + retryEvery);
        }
        this.settings = Objects.requireNonNull(settings, "settings");
        this.retryEveryMicros = retryEvery.toNanos() / 1_000;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.nextAttemptMicros = new AtomicLong(clock.nowMicros());
    }

    /** True once a connection is made (and until {@link #close()}). */
    public boolean connected() {
        return delegate.get() != null;
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
    public CompletionStage<List<Decision>> tryConsumeAll(List<BucketCall> calls) {
        RedisBucketStore store = delegate.get();
        if (store != null) {
            return store.tryConsumeAll(calls);
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
        long now = clock.nowMicros();
        long next = nextAttemptMicros.get();
        if (closed || now - next < 0 || !nextAttemptMicros.compareAndSet(next, now + retryEveryMicros)
                || !connecting.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                RedisBucketStore store = connect.apply(settings);
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
