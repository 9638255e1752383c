package io.tollgate.core.limiter;

import java.time.Duration;

/**
 * The answer to a programmatic acquisition ({@link RuleLimiter}).
 *
 * @param granted whether the caller has its tokens (for a waiting acquisition: once the stage completes)
 * @param waited  how long the caller waited for a reservation to come due; zero when the tokens were there
 * @param verdict the limiter's answer: the decision, the outcome for metrics, the failure policy if one applied
 */
public record Permit(boolean granted, Duration waited, Verdict verdict) {

    /** Whole tokens left in the tightest limit after this acquisition; 0 when unknown (no store decision). */
    public long remaining() {
        return verdict.decision() == null ? 0 : verdict.decision().remaining();
    }

    /** When denied, how long until the same acquisition could succeed; zero when granted. */
    public Duration retryAfter() {
        return granted ? Duration.ZERO : new RateLimitExceededException(verdict).retryAfter();
    }
}
