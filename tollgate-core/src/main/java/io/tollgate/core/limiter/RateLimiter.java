package io.tollgate.core.limiter;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.rules.FailurePolicy;
import io.tollgate.core.rules.Rule;
import io.tollgate.core.rules.RuleMode;
import io.tollgate.core.store.BucketCall;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.StoreException;
import io.tollgate.core.store.StoreOverloadedException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The framework-neutral entry point: asks the store about one request under one rule and applies the rule's mode and
 * failure policy. Web adapters resolve the rule and the client key, call {@link #check}, and turn the {@link Verdict}
 * into a response.
 *
 * <p>The store is a {@link StoreChain}: a rule with {@link Rule#lease() lease} on enters it at the leases, any other
 * rule skips them.
 *
 * <p>Never blocks. When the store fails (timeout, connection loss, open circuit), the rule's {@link FailurePolicy}
 * (or the default) decides: {@code fail-open} decides with a local bucket holding the rule's full limit, seeded from
 * the store's last levels for that bucket ({@link FallbackBuckets}), so no client gets past its own limit in this
 * instance; {@code fail-open-unbounded} allows everything; {@code fail-closed} rejects with 503; {@code local} asks a
 * local bucket whose capacity and rate are divided by the expected number of instances. A store that answers but is
 * overloaded ({@link StoreOverloadedException}) is no failure: the request is {@link Outcome#SHED shed} with 503 and
 * no policy applies. Fallbacks and sheds are logged at most once per interval each.
 *
 * <p>A rule that counts only some responses ({@link Rule#countsAfterResponse()}) is asked in two steps:
 * {@link #checkAvailable} before the request (takes nothing; the failure policy applies as to {@link #check}), then
 * {@link #consumeAfterResponse} once the response is known to count.
 */
public final class RateLimiter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RateLimiter.class);

    private final StoreChain chain;
    private final FailurePolicy defaultPolicy;
    private final int expectedInstances;
    private final LimiterListener listener;
    private final FallbackBuckets fallbackBuckets;
    private final ThrottledLog fallbackLog;
    private final ThrottledLog shedLog;
    private final ThrottledLog afterResponseLog;
    private final LongAdder afterResponseFailures = new LongAdder();
    private final ConcurrentHashMap<Rule, BucketSpec> localSpecs = new ConcurrentHashMap<>();

    /**
     * @param chain             where buckets live, and the layers in front of them; used, not closed
     * @param defaultPolicy     failure policy for rules that name none
     * @param expectedInstances how many instances share the limits; scales the {@code local} fallback
     * @param listener          receives every verdict (metrics, denial logs)
     * @param fallbackLogEvery  at most one fallback log line (and one shedding line) per this interval
     */
    public RateLimiter(StoreChain chain, FailurePolicy defaultPolicy, int expectedInstances, LimiterListener listener,
                       Duration fallbackLogEvery) {
        this(chain, defaultPolicy, expectedInstances, listener, fallbackLogEvery, new FallbackBuckets());
    }

    /**
     * As above, with the local buckets the {@code fail-open} and {@code local} policies decide with (and their clock).
     * The limiter owns them from here on: it feeds them every store answer and clears them on {@link #close()}.
     */
    public RateLimiter(StoreChain chain, FailurePolicy defaultPolicy, int expectedInstances, LimiterListener listener,
                       Duration fallbackLogEvery, FallbackBuckets fallbackBuckets) {
        if (expectedInstances < 1) {
            throw new IllegalArgumentException("expected instances must be at least 1, got " + expectedInstances);
        }
        this.chain = Objects.requireNonNull(chain, "chain");
        this.defaultPolicy = Objects.requireNonNull(defaultPolicy, "defaultPolicy");
        this.expectedInstances = expectedInstances;
        this.listener = listener == null ? LimiterListener.NONE : listener;
        this.fallbackBuckets = Objects.requireNonNull(fallbackBuckets, "fallbackBuckets");
        this.fallbackLog = new ThrottledLog(fallbackLogEvery);
        this.shedLog = new ThrottledLog(fallbackLogEvery);
        this.afterResponseLog = new ThrottledLog(fallbackLogEvery);
    }

    /** A plain store without layers (no breaker, deny cache or leases), {@code fail-open}, one instance. */
    public RateLimiter(BucketStore store) {
        this(StoreChain.around(store).build());
    }

    /** {@code fail-open}, one instance, no listener. */
    public RateLimiter(StoreChain chain) {
        this(chain, FailurePolicy.FAIL_OPEN, 1, LimiterListener.NONE, Duration.ofSeconds(10));
    }

    /** The bucket key a rule and client key map to. */
    public static String bucketKey(Rule rule, String clientKey) {
        return rule.name() + ':' + clientKey;
    }

    /** Decides one request, taking the rule's cost. The stage never completes exceptionally because of the store. */
    public CompletionStage<Verdict> check(Rule rule, String clientKey) {
        return check(rule, clientKey, rule.cost());
    }

    /**
     * Decides one request that takes {@code cost} tokens instead of the rule's own cost (a programmatic caller's
     * choice). The stage never completes exceptionally because of the store.
     *
     * @throws IllegalArgumentException if {@code cost} is below 1
     */
    public CompletionStage<Verdict> check(Rule rule, String clientKey, long cost) {
        requireCost(cost);
        String bucketKey = bucketKey(rule, clientKey);
        return decide(rule, clientKey, bucketKey, cost, false,
                () -> chain.tryConsume(bucketKey, rule.spec(), cost, rule.lease()));
    }

    /**
     * Decides one request of a rule that counts after the response, taking nothing: the verdict allows the request when
     * the bucket holds the rule's cost now, and otherwise denies it (429, or let through under a shadow rule) with the
     * wait until the cost is there. Its decision reports the levels as they are, before any response took tokens.
     * The store is asked with a cost-0 {@link BucketStore#tryConsumeAll} call past the leases (which such a rule never
     * uses). When the store fails, the failure policy decides exactly as for {@link #check}, but its local bucket is
     * only checked too; an overloaded store sheds the request. The listener hears this verdict as it hears any other.
     * The stage never completes exceptionally because of the store.
     */
    public CompletionStage<Verdict> checkAvailable(Rule rule, String clientKey) {
        String bucketKey = bucketKey(rule, clientKey);
        return decide(rule, clientKey, bucketKey, rule.cost(), true,
                () -> chain.unleased().tryConsumeAll(List.of(new BucketCall(bucketKey, rule.spec(), 0)))
                        .thenApply(decisions -> decisions.get(0)));
    }

    /**
     * Reserves {@code cost} tokens, waiting up to {@code maxWaitMicros} for them: one atomic store step
     * ({@link io.tollgate.core.store.BucketStore#tryReserve}) past the leases (a reservation takes tokens from the
     * future, which a lease cannot hold). An allowed verdict's {@link Decision#aheadMicros()} is how long the caller
     * must wait before using the tokens. When the store fails, the failure policy decides at once, without a wait, as
     * for {@link #check}. The stage never completes exceptionally because of the store.
     */
    public CompletionStage<Verdict> reserve(Rule rule, String clientKey, long cost, long maxWaitMicros) {
        requireCost(cost);
        if (maxWaitMicros < 0) {
            throw new IllegalArgumentException("maxWaitMicros must be at least 0, got " + maxWaitMicros);
        }
        String bucketKey = bucketKey(rule, clientKey);
        return decide(rule, clientKey, bucketKey, cost, false,
                () -> chain.unleased().tryReserve(bucketKey, rule.spec(), cost, maxWaitMicros));
    }

    /**
     * Takes the rule's cost from the client's bucket after a response that the rule counts
     * ({@link Rule#countedResponses()}), following a {@link #checkAvailable} that let the request through. The response
     * is not waited for and nothing is returned to the client: if the bucket no longer holds the cost (requests in
     * flight together each passed the check), nothing is taken. When the store fails, the failure is counted
     * ({@link #afterResponseFailures()}) and logged at most once per interval, and under {@code fail-open} and
     * {@code local} the policy's local bucket takes the cost instead, so that the checks an outage answers locally
     * still see the failures. The listener hears nothing: the request's verdict was already reported. The stage never
     * completes exceptionally and never blocks the caller.
     */
    public CompletionStage<Void> consumeAfterResponse(Rule rule, String clientKey) {
        String bucketKey = bucketKey(rule, clientKey);
        CompletionStage<Decision> stage;
        try {
            stage = chain.unleased().tryConsume(bucketKey, rule.spec(), rule.cost());
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        return stage.handle((decision, error) -> {
            FailurePolicy policy = policyOf(rule);
            if (error == null) {
                if (seedsFromStore(policy)) {
                    fallbackBuckets.remember(bucketKey, decision);
                }
                return null;
            }
            afterResponseFailures.increment();
            Throwable cause = StoreException.unwrap(error);
            // an overloaded store is healthy and stays the truth; only an outage hands the tokens to the local bucket
            boolean outage = StoreOverloadedException.findIn(cause) == null;
            if (outage) {
                localDecision(policy, rule, bucketKey, rule.cost());
            }
            afterResponseLog.event(suppressed -> log.warn("Rate-limit store failed ({}) taking tokens after a counted"
                            + " response under rule \"{}\"; {}{}", StoreException.describe(cause), rule.name(),
                    outage && decidesLocally(policy) ? "taken from the " + policy.label() + " local bucket instead"
                            : "not taken",
                    suppressed > 0 ? " (" + suppressed + " more since the last message)" : ""));
            return null;
        });
    }

    /** Post-response takes ({@link #consumeAfterResponse}) that the store failed, since this limiter was made. */
    public long afterResponseFailures() {
        return afterResponseFailures.sum();
    }

    private static void requireCost(long cost) {
        if (cost < 1) {
            throw new IllegalArgumentException("cost must be at least 1, got " + cost);
        }
    }

    /**
     * The one decision path of {@link #check}, {@link #checkAvailable} and {@link #reserve}: the store call, the
     * seeding of the local buckets, the failure policy and shedding, and the listener.
     *
     * @param cost      the tokens the decision is about
     * @param checkOnly true when {@code call} only reads the bucket (cost 0): the verdict then says whether
     *                  {@code cost} is there, and the failure policy's local bucket is only read too
     */
    private CompletionStage<Verdict> decide(Rule rule, String clientKey, String bucketKey, long cost, boolean checkOnly,
                                            java.util.function.Supplier<CompletionStage<Decision>> call) {
        // Latency for metrics only, never an input to a decision: nanosecond resolution, so no MicrosClock.
        long start = System.nanoTime();
        CompletionStage<Decision> stage;
        try {
            stage = call.get();
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        return stage.handle((decision, error) -> {
            long nanos = System.nanoTime() - start;
            Verdict v;
            if (error == null) {
                if (seedsFromStore(policyOf(rule))) {
                    fallbackBuckets.remember(bucketKey, decision);
                }
                v = fromDecision(rule, clientKey, checkOnly ? available(decision, cost) : decision, nanos);
            } else {
                Throwable cause = StoreException.unwrap(error);
                StoreOverloadedException overload = StoreOverloadedException.findIn(cause);
                v = overload != null ? shed(rule, clientKey, overload, nanos)
                        : fallback(rule, clientKey, bucketKey, cost, checkOnly, cause, nanos);
            }
            listener.onVerdict(v);
            return v;
        });
    }

    /**
     * A check's decision (cost 0, so allowed, levels as they are) turned into the decision for {@code cost}: allowed
     * when every limit holds it now, else denied with the wait until it does. The levels stay as checked.
     */
    private static Decision available(Decision check, long cost) {
        long[] levels = new long[check.spec().size()];
        for (int i = 0; i < levels.length; i++) {
            levels[i] = check.level(i);
        }
        return Decision.of(check.spec(), cost, check.microsUntilAvailable(cost) == 0, levels, check.timestampMicros());
    }

    private static Verdict fromDecision(Rule rule, String clientKey, Decision d, long nanos) {
        Outcome outcome = d.allowed() ? Outcome.ALLOWED
                : rule.mode() == RuleMode.SHADOW ? Outcome.SHADOW_DENIED : Outcome.DENIED;
        return new Verdict(rule, clientKey, outcome, d, null, nanos);
    }

    private FailurePolicy policyOf(Rule rule) {
        return rule.failurePolicy() != null ? rule.failurePolicy() : defaultPolicy;
    }

    /**
     * Whether the policy's local bucket can start from the store's levels: only when it uses the rule's own spec.
     * Remembering for the other policies would cost a map put per decision for nothing.
     */
    private boolean seedsFromStore(FailurePolicy policy) {
        return policy == FailurePolicy.FAIL_OPEN || (policy == FailurePolicy.LOCAL && expectedInstances == 1);
    }

    private Verdict fallback(Rule rule, String clientKey, String bucketKey, long cost, boolean checkOnly,
                             Throwable error, long nanos) {
        FailurePolicy policy = policyOf(rule);
        fallbackLog.event(suppressed -> log.warn("Rate-limit store failed ({}); applying {} for rule \"{}\"{}",
                StoreException.describe(error), policy.label(), rule.name(),
                suppressed > 0 ? " (" + suppressed + " more fallbacks since the last message)" : ""));
        // A local denial under a shadow rule is let through by Verdict.permitted(), like a store denial.
        Decision local = localDecision(policy, rule, bucketKey, checkOnly ? 0 : cost);
        if (local != null && checkOnly) {
            local = available(local, cost);
        }
        return new Verdict(rule, clientKey, Outcome.ERROR, local, policy, nanos);
    }

    /** Whether the policy decides with a local bucket. */
    private static boolean decidesLocally(FailurePolicy policy) {
        return policy == FailurePolicy.FAIL_OPEN || policy == FailurePolicy.LOCAL;
    }

    /**
     * The policy's local bucket taking {@code cost} (0: a check), or {@code null} for the policies that decide without
     * one ({@code fail-open-unbounded}, {@code fail-closed}).
     */
    private Decision localDecision(FailurePolicy policy, Rule rule, String bucketKey, long cost) {
        return switch (policy) {
            case FAIL_OPEN -> fallbackBuckets.decide(bucketKey, rule.spec(), cost);
            case LOCAL -> fallbackBuckets.decide(bucketKey, localSpec(rule), cost);
            case FAIL_OPEN_UNBOUNDED, FAIL_CLOSED -> null;
        };
    }

    private Verdict shed(Rule rule, String clientKey, StoreOverloadedException error, long nanos) {
        shedLog.event(suppressed -> log.warn("Shedding: store overloaded ({}); rejecting with 503 under rule \"{}\"{}",
                error.getMessage(), rule.name(),
                suppressed > 0 ? " (" + suppressed + " more shed since the last message)" : ""));
        return new Verdict(rule, clientKey, Outcome.SHED, null, null, nanos);
    }



    /**
     * The spec a {@code local} fallback uses: capacity and rate divided by the expected instance count. The capacity
     * never drops below the rule's cost, so a request the real limit could allow stays possible. With more than one
     * instance this is another spec than the store's, so its local bucket starts full (store levels of a different
     * spec cannot seed it) and keeps its own levels from one outage to the next.
     */
    BucketSpec localSpec(Rule rule) {
        if (expectedInstances == 1) {
            return rule.spec();
        }
        return localSpecs.computeIfAbsent(rule, r -> r.spec().dividedAmong(expectedInstances, r.cost()));
    }


    /** The store and its layers. */
    public StoreChain chain() {
        return chain;
    }

    public FailurePolicy defaultPolicy() {
        return defaultPolicy;
    }

    /** The local buckets of the {@code fail-open} and {@code local} policies. */
    public FallbackBuckets fallbackBuckets() {
        return fallbackBuckets;
    }

    @Override
    public void close() {
        fallbackBuckets.clear();
    }
}
