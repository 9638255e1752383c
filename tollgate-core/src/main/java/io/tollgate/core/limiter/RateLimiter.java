package io.tollgate.core.limiter;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.rules.FailurePolicy;
import io.tollgate.core.rules.Rule;
import io.tollgate.core.rules.RuleMode;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.InMemoryBucketStore;
import io.tollgate.core.store.MicrosClock;
import io.tollgate.core.store.StoreException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The framework-neutral entry point: asks the store about one request under one rule and applies the rule's mode and
 * failure policy. Web adapters resolve the rule and the client key, call {@link #check}, and turn the {@link Verdict}
 * into a response.
 *
 * <p>Never blocks. When the store fails (timeout, connection loss, open circuit), the rule's {@link FailurePolicy}
 * (or the default) decides: {@code fail-open} allows, {@code fail-closed} rejects with 503, {@code local} asks an
 * in-memory bucket whose capacity and rate are divided by the expected number of instances. Such fallbacks are logged
 * at most once per interval.
 */
public final class RateLimiter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RateLimiter.class);

    private final BucketStore store;
    private final FailurePolicy defaultPolicy;
    private final int expectedInstances;
    private final LimiterListener listener;
    private final InMemoryBucketStore localStore;
    private final ThrottledLog fallbackLog;
    private final ConcurrentHashMap<Rule, BucketSpec> localSpecs = new ConcurrentHashMap<>();

    /**
     * @param store             where buckets live
     * @param defaultPolicy     failure policy for rules that name none
     * @param expectedInstances how many instances share the limits; scales the {@code local} fallback
     * @param listener          receives every verdict (metrics, denial logs)
     * @param fallbackLogEvery  at most one fallback log line per this interval
     */
    public RateLimiter(BucketStore store, FailurePolicy defaultPolicy, int expectedInstances, LimiterListener listener,
                       Duration fallbackLogEvery) {
        if (expectedInstances < 1) {
            throw new IllegalArgumentException("expected instances must be at least 1, got " + expectedInstances);
        }
        this.store = Objects.requireNonNull(store, "store");
        this.defaultPolicy = Objects.requireNonNull(defaultPolicy, "defaultPolicy");
        this.expectedInstances = expectedInstances;
        this.listener = listener == null ? LimiterListener.NONE : listener;
        this.localStore = new InMemoryBucketStore();
        this.fallbackLog = new ThrottledLog(fallbackLogEvery);
    }

    public RateLimiter(BucketStore store) {
        this(store, FailurePolicy.FAIL_OPEN, 1, LimiterListener.NONE, Duration.ofSeconds(10));
    }

    /** The bucket key a rule and client key map to. */
    public static String bucketKey(Rule rule, String clientKey) {
        return rule.name() + ':' + clientKey;
    }

    /** Decides one request. The stage never completes exceptionally because of the store. */
    public CompletionStage<Verdict> check(Rule rule, String clientKey) {
        long start = System.nanoTime();
        String bucketKey = bucketKey(rule, clientKey);
        CompletionStage<Decision> stage;
        try {
            stage = store.tryConsume(bucketKey, rule.spec(), rule.cost());
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        return stage.handle((decision, error) -> {
            long nanos = System.nanoTime() - start;
            Verdict v = error == null ? fromDecision(rule, clientKey, decision, nanos)
                    : fallback(rule, clientKey, bucketKey, unwrap(error), nanos);
            listener.onVerdict(v);
            return v;
        });
    }

    private static Verdict fromDecision(Rule rule, String clientKey, Decision d, long nanos) {
        Outcome outcome = d.allowed() ? Outcome.ALLOWED
                : rule.mode() == RuleMode.SHADOW ? Outcome.SHADOW_DENIED : Outcome.DENIED;
        return new Verdict(rule, clientKey, outcome, d, null, nanos);
    }

    private Verdict fallback(Rule rule, String clientKey, String bucketKey, Throwable error, long nanos) {
        FailurePolicy policy = rule.failurePolicy() != null ? rule.failurePolicy() : defaultPolicy;
        fallbackLog.event(suppressed -> log.warn("Rate-limit store failed ({}); applying {} for rule \"{}\"{}",
                describe(error), policy.label(), rule.name(),
                suppressed > 0 ? " (" + suppressed + " more fallbacks since the last message)" : ""));
        Decision local = null;
        if (policy == FailurePolicy.LOCAL) {
            local = localStore.decide(bucketKey, localSpec(rule), rule.cost(), MicrosClock.SYSTEM.nowMicros());
            if (!local.allowed() && rule.mode() == RuleMode.SHADOW) {
                return new Verdict(rule, clientKey, Outcome.ERROR, null, FailurePolicy.FAIL_OPEN, nanos);
            }
        }
        return new Verdict(rule, clientKey, Outcome.ERROR, local, policy, nanos);
    }

    private static String describe(Throwable error) {
        return error instanceof StoreException ? error.getMessage() : error.getClass().getSimpleName() + ": " + error.getMessage();
    }

    /**
     * The spec a {@code local} fallback uses: capacity and rate divided by the expected instance count. The capacity
     * never drops below the rule's cost, so a request the real limit could allow stays possible.
     */
    BucketSpec localSpec(Rule rule) {
        if (expectedInstances == 1) {
            return rule.spec();
        }
        return localSpecs.computeIfAbsent(rule, r -> {
            List<Limit> scaled = new ArrayList<>();
            BigDecimal n = BigDecimal.valueOf(expectedInstances);
            for (Limit l : r.spec().limits()) {
                long capacity = Math.max(r.cost(), l.capacity() / expectedInstances);
                BigDecimal rate = l.refillTokens().divide(n, 6, RoundingMode.DOWN);
                if (rate.signum() == 0) {
                    rate = new BigDecimal("0.000001");
                }
                try {
                    scaled.add(Limit.of(capacity, rate, l.period()));
                } catch (IllegalArgumentException tooPrecise) {
                    scaled.add(Limit.of(capacity, l.refillTokens(), l.period()));
                }
            }
            return BucketSpec.of(scaled);
        });
    }

    private static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    public BucketStore store() {
        return store;
    }

    public FailurePolicy defaultPolicy() {
        return defaultPolicy;
    }

    @Override
    public void close() {
        localStore.close();
    }
}
