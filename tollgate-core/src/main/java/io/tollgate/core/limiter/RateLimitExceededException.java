package io.tollgate.core.limiter;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * A programmatic acquisition that did not get its tokens: denied now (and, for a waiting acquisition, not possible
 * within its longest wait), or rejected because the store failed closed or was overloaded. Carries the
 * {@link Verdict}, the rule's name and when to try again.
 */
public class RateLimitExceededException extends RuntimeException {

    /** "Never", as a duration that callers can compare and add to an instant without overflow. */
    static final Duration NEVER = Duration.ofDays(365L * 1000);

    private final transient Verdict verdict;
    private final Duration retryAfter;

    public RateLimitExceededException(Verdict verdict) {
        super(message(Objects.requireNonNull(verdict, "verdict")), null, false, false);
        this.verdict = verdict;
        this.retryAfter = retryAfterOf(verdict);
    }

    private static String message(Verdict v) {
        return "rate limit \"" + v.rule().name() + "\" exceeded"
                + (v.outcome() == Outcome.SHED ? " (store overloaded)" : v.degraded() ? " (store unavailable, "
                + v.policyApplied().label() + ")" : "") + "; retry after " + retryAfterOf(v).toMillis() + " ms";
    }

    private static Duration retryAfterOf(Verdict v) {
        if (v.decision() == null || v.decision().allowed()) {
            return Duration.ofSeconds(v.outcome() == Outcome.SHED ? Verdict.SHED_RETRY_SECONDS
                    : Verdict.FAIL_CLOSED_RETRY_SECONDS);
        }
        long micros = v.decision().retryAfterMicros();
        return micros == Long.MAX_VALUE ? NEVER : Duration.of(micros, ChronoUnit.MICROS);
    }

    /** The limiter's answer. */
    public Verdict verdict() {
        return verdict;
    }

    /** The rule that denied. */
    public String rule() {
        return verdict.rule().name();
    }

    /**
     * How long until the same acquisition could succeed if nobody else takes tokens meanwhile; a very long duration
     * (more than a century) when it never can (its cost exceeds a capacity).
     */
    public Duration retryAfter() {
        return retryAfter;
    }

}
