package io.tollgate.core.limiter;

import io.tollgate.core.bucket.Decision;
import io.tollgate.core.identity.ClientKeys;
import io.tollgate.core.rules.Rule;
import io.tollgate.core.store.BucketCall;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * One rule's limit for code that is not an HTTP request: calls to a partner API, jobs, messages. Obtained from
 * {@link Tollgate#limiter(String)}; cheap, thread-safe, and it looks its rule up on every call, so a reloaded rules
 * file applies at once.
 *
 * <p>Keys are the caller's (a customer id, a tenant, "all"); each key has its own bucket under the rule's limits. They
 * are hashed before they reach the store, like header keys, so no raw value is stored.
 *
 * <ul>
 *   <li>{@link #tryAcquire(String, long)}: take the tokens now or be told no; never waits.</li>
 *   <li>{@link #acquire(String, long, Duration)}: the outbound case, "wait up to 2 s for a slot". A reservation in
 *       the same atomic store step as the check ({@link io.tollgate.core.store.BucketStore#tryReserve}), not a retry
 *       loop: the bucket goes into debt by at most {@code rate × maxWait} and the stage completes when the tokens
 *       are the caller's. Waiters of one key on one instance wake in the order the store granted their reservations,
 *       even when a caller's thread is descheduled before it handles the store's answer. A reservation that cannot be met within
 *       {@code maxWait} takes nothing and fails at once with {@link RateLimitExceededException}.</li>
 *   <li>{@link #estimate}: would it be allowed now, else when; takes nothing.</li>
 * </ul>
 * Cancelling a waiting stage does not give its tokens back: they stay taken (a returned token could make a denial the
 * deny cache already proved wrong). When the store fails, the rule's failure policy decides as for HTTP requests,
 * without waiting; every verdict reaches the limiter's listeners (metrics) as HTTP ones do.
 */
public final class RuleLimiter {

    private final Tollgate owner;
    private final String ruleName;

    RuleLimiter(Tollgate owner, String ruleName) {
        this.owner = owner;
        this.ruleName = ruleName;
    }

    /** The rule's name. */
    public String rule() {
        return ruleName;
    }

    /** The rule's own cost per call, as in force now. */
    public long ruleCost() {
        return owner.rule(ruleName).cost();
    }

    /** {@link #tryAcquire(String, long)} with the rule's own cost. */
    public CompletionStage<Permit> tryAcquire(String key) {
        Rule rule = owner.rule(ruleName);
        return tryAcquire(rule, key, rule.cost());
    }

    /**
     * Takes {@code cost} tokens from {@code key}'s bucket now if it holds them. The stage completes with the permit,
     * granted or not; it never completes exceptionally because of the store.
     */
    public CompletionStage<Permit> tryAcquire(String key, long cost) {
        return tryAcquire(owner.rule(ruleName), key, cost);
    }

    private CompletionStage<Permit> tryAcquire(Rule rule, String key, long cost) {
        return owner.engine().check(rule, clientKey(key), cost)
                .thenApply(v -> new Permit(v.permitted(), Duration.ZERO, v));
    }

    /**
     * Waits up to {@code maxWait} for {@code cost} tokens of {@code key}'s bucket. Completes, granted, when the tokens
     * are the caller's; completes exceptionally with {@link RateLimitExceededException} at once when they cannot be
     * within {@code maxWait} (nothing is taken then), or when the store failed closed or was overloaded. The wait
     * counts from the store's answer, so the whole call takes at most {@code maxWait} plus one store round trip.
     * Dependent stages run on the limiter's timer thread when the caller waited: do not block in them.
     *
     * @throws IllegalArgumentException naming the value, when {@code cost} is below 1 or above the rule's capacity
     *                                  (no wait could ever meet it), or {@code maxWait} is negative
     */
    public CompletionStage<Permit> acquire(String key, long cost, Duration maxWait) {
        Objects.requireNonNull(maxWait, "maxWait");
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait must not be negative, got " + maxWait);
        }
        Rule rule = owner.rule(ruleName);
        if (rule.spec().exceedsCapacity(cost)) {
            throw new IllegalArgumentException("cost " + cost + " is above the capacity of rule \"" + ruleName + "\" ("
                    + rule.spec().spec() + "): it could never be acquired, however long the wait");
        }
        String clientKey = clientKey(key);
        long maxWaitMicros = micros(maxWait);
        // taken before the store call, so a caller descheduled before handling its answer still keeps its place
        WakeQueue.Ticket ticket = owner.wakeQueue().ticket(RateLimiter.bucketKey(rule, clientKey));
        CompletionStage<Verdict> answer;
        try {
            answer = owner.engine().reserve(rule, clientKey, cost, maxWaitMicros);
        } catch (RuntimeException e) {
            ticket.release();
            throw e;
        }
        return answer.handle((v, failure) -> {
            long received = System.nanoTime();
            if (failure != null) {
                ticket.release();
                return CompletableFuture.<Permit>failedFuture(failure);
            }
            if (!v.permitted()) {
                ticket.release();
                return CompletableFuture.<Permit>failedFuture(new RateLimitExceededException(v));
            }
            Decision d = v.decision();
            long wait = d == null ? 0 : d.aheadMicros();
            if (d == null) { // decided by the failure policy: no bucket to queue on
                ticket.release();
                return CompletableFuture.completedFuture(new Permit(true, Duration.ZERO, v));
            }
            CompletableFuture<Void> woken = wait == 0 ? ticket.grantedNow(d.timestampMicros())
                    : ticket.wakeAt(d.timestampMicros(), received + wait * 1000);
            if (wait == 0 && woken.isDone() && !woken.isCompletedExceptionally()) {
                return CompletableFuture.completedFuture(new Permit(true, Duration.ZERO, v));
            }
            return woken.thenApply(x -> new Permit(true, Duration.ofNanos(System.nanoTime() - received), v));
        }).thenCompose(f -> f);
    }

    /**
     * {@link #acquire} for callers that may block (not on an event loop): returns the granted permit once the tokens
     * are the caller's.
     *
     * @throws RateLimitExceededException when the tokens cannot be had within {@code maxWait}
     * @throws InterruptedException       when interrupted while waiting; the reservation stays taken
     */
    public Permit acquireBlocking(String key, long cost, Duration maxWait) throws InterruptedException {
        try {
            return acquire(key, cost, maxWait).toCompletableFuture().get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new CompletionException(cause);
        }
    }

    /**
     * Whether {@code cost} tokens of {@code key}'s bucket are there now, and otherwise when they would be: a check
     * that reads the bucket and takes nothing (for UI hints, or to decide whether to queue work). Completes
     * exceptionally with the store's failure when the store cannot answer: an estimate has no failure policy.
     */
    public CompletionStage<Estimate> estimate(String key, long cost) {
        if (cost < 1) {
            throw new IllegalArgumentException("cost must be at least 1, got " + cost);
        }
        Rule rule = owner.rule(ruleName);
        String bucketKey = RateLimiter.bucketKey(rule, clientKey(key));
        Supplier<CompletionStage<List<Decision>>> read = () -> owner.engine().chain().unleased()
                .tryConsumeAll(List.of(new BucketCall(bucketKey, rule.spec(), 0)));
        CompletionStage<List<Decision>> stage;
        try {
            stage = read.get();
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        return stage.thenApply(decisions -> {
            Decision d = decisions.get(0);
            long micros = d.microsUntilAvailable(cost);
            Duration wait = micros == Long.MAX_VALUE ? RateLimitExceededException.NEVER
                    : Duration.of(micros, ChronoUnit.MICROS);
            return new Estimate(micros == 0, wait, d.remaining());
        });
    }

    /** The store's key for a caller's key: hashed, so neither its length nor its content reaches the store. */
    static String clientKey(String key) {
        Objects.requireNonNull(key, "key");
        return ClientKeys.headerKey("key", key);
    }

    private static long micros(Duration d) {
        try {
            return Math.multiplyExact(d.getSeconds(), 1_000_000L) + d.getNano() / 1_000;
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE / 2;
        }
    }

    @Override
    public String toString() {
        return "RuleLimiter{" + ruleName + '}';
    }
}
