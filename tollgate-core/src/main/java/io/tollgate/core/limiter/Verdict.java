package io.tollgate.core.limiter;

import io.tollgate.core.bucket.Decision;
import io.tollgate.core.rules.FailurePolicy;
import io.tollgate.core.rules.Rule;

/**
 * The limiter's answer for one request: whether it may proceed, and everything needed to tell the client why.
 *
 * @param rule          the rule that applied
 * @param clientKey     the client key the bucket belongs to (already bounded and hashed where it came from a header)
 * @param outcome       what happened, for metrics
 * @param decision      the bucket decision; {@code null} when the store failed under {@code fail-open} or
 *                      {@code fail-closed} (a {@code local} fallback has one)
 * @param policyApplied the failure policy used when {@code outcome == ERROR}, else {@code null}
 * @param storeNanos    time spent waiting for the store
 */
public record Verdict(Rule rule, String clientKey, Outcome outcome, Decision decision, FailurePolicy policyApplied,
                      long storeNanos) {

    /** Retry-After for a fail-closed answer, in seconds. */
    public static final long FAIL_CLOSED_RETRY_SECONDS = 1;

    /** True when the request may proceed. */
    public boolean permitted() {
        return switch (outcome) {
            case ALLOWED, SHADOW_DENIED -> true;
            case DENIED -> false;
            case ERROR -> policyApplied != FailurePolicy.FAIL_CLOSED && (decision == null || decision.allowed());
        };
    }

    /** HTTP status for a request that is not {@link #permitted()}: 503 when the store failed closed, 429 otherwise. */
    public int rejectionStatus() {
        return outcome == Outcome.ERROR && policyApplied == FailurePolicy.FAIL_CLOSED ? 503 : 429;
    }

    /** True when the store could not decide and a failure policy was applied. */
    public boolean degraded() {
        return outcome == Outcome.ERROR;
    }

    /** Whole seconds a rejected client should wait, rounded up, at least 1. */
    public long retryAfterSeconds() {
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
