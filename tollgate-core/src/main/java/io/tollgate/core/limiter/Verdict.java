package io.tollgate.core.limiter;

import io.tollgate.core.bucket.Decision;
import io.tollgate.core.rules.FailurePolicy;
import io.tollgate.core.rules.Rule;
import io.tollgate.core.rules.RuleMode;

/**
 * The limiter's answer for one request: whether it may proceed, and everything needed to tell the client why.
 *
 * @param rule          the rule that applied
 * @param clientKey     the client key the bucket belongs to (already bounded and hashed where it came from a header)
 * @param outcome       what happened, for metrics
 * @param decision      the bucket decision: the store's, or on {@code ERROR} the local bucket's under {@code fail-open}
 *                      and {@code local}; {@code null} under {@code fail-open-unbounded} and {@code fail-closed}, and
 *                      when the request was {@link Outcome#SHED shed}
 * @param policyApplied the failure policy used when {@code outcome == ERROR}, else {@code null}
 * @param storeNanos    time spent waiting for the store
 */
public record Verdict(Rule rule, String clientKey, Outcome outcome, Decision decision, FailurePolicy policyApplied,
                      long storeNanos) {

    /** Retry-After for a fail-closed answer, in seconds. */
    public static final long FAIL_CLOSED_RETRY_SECONDS = 1;

    /** Retry-After for a shed request, in seconds: overload is expected to clear quickly. */
    public static final long SHED_RETRY_SECONDS = 1;

    /**
     * True when the request may proceed. On {@code ERROR} a local denial is let through under a shadow rule, exactly as
     * a store denial would be.
     */
    public boolean permitted() {
        return switch (outcome) {
            case ALLOWED, SHADOW_DENIED -> true;
            case DENIED, SHED -> false;
            case ERROR -> policyApplied != FailurePolicy.FAIL_CLOSED
                    && (decision == null || decision.allowed() || rule.mode() == RuleMode.SHADOW);
        };
    }

    /**
     * HTTP status for a request that is not {@link #permitted()}: 503 when the store failed closed or the request was
     * shed, 429 otherwise (also for a local denial under {@code fail-open} or {@code local}).
     */
    public int rejectionStatus() {
        return outcome == Outcome.SHED || (outcome == Outcome.ERROR && policyApplied == FailurePolicy.FAIL_CLOSED)
                ? 503 : 429;
    }

    /** True when the store could not decide and a failure policy was applied. A shed request is not degraded. */
    public boolean degraded() {
        return outcome == Outcome.ERROR;
    }

    /** Whole seconds a rejected client should wait, rounded up, at least 1. */
    public long retryAfterSeconds() {
        if (outcome == Outcome.SHED) {
            return SHED_RETRY_SECONDS;
        }
        if (decision == null || decision.allowed()) {
            return FAIL_CLOSED_RETRY_SECONDS;
        }
        long micros = decision.retryAfterMicros();
        if (micros == Long.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        return Math.max(1, (micros + 999_999) / 1_000_000);
    }
}
