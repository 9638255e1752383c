package io.tollgate.core.headers;

import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.TokenBucket;
import io.tollgate.core.limiter.Verdict;
import java.util.ArrayList;
import java.util.List;

/**
 * Which limits of a rule a response talks about.
 *
 * <ul>
 *   <li>A rejected request reports its <em>binding</em> limit: the one that takes longest to hold the request's cost,
 *       so the one {@code Retry-After} is computed from ({@link Decision#retryAfterMicros()} is the same maximum).
 *   <li>Any other response reports the <em>tightest</em> limit: the fewest whole tokens left
 *       ({@link Decision#tightestLimit()}).
 *   <li>The <em>violated</em> limits of a denial are those holding fewer tokens than the cost (or whose capacity is
 *       below it): the {@code violated-policies} of a {@code quota-exceeded} problem.
 * </ul>
 * Ties go to the lowest index, so the answer is stable.
 */
public final class ReportedLimits {

    private ReportedLimits() {
    }

    /** The limit that {@code RateLimit} and {@code X-RateLimit-*} describe; {@code verdict} must carry a decision. */
    public static int reported(Verdict verdict) {
        Decision d = verdict.decision();
        return !verdict.permitted() && !d.allowed() ? binding(d) : d.tightestLimit();
    }

    /**
     * The limit whose refill takes longest to cover the cost. For an allowed decision, or a denial in which no limit
     * lacks tokens (which a store should never report), the tightest limit.
     */
    public static int binding(Decision d) {
        int binding = -1;
        long longest = -1;
        for (int i = 0; i < d.spec().size(); i++) {
            long wait = waitMicros(d, i);
            if (wait > longest) {
                longest = wait;
                binding = i;
            }
        }
        return binding < 0 ? d.tightestLimit() : binding;
    }

    /** Indexes of the limits that denied, ascending; never empty for a denial, empty when allowed. */
    public static List<Integer> violated(Decision d) {
        List<Integer> out = new ArrayList<>(d.spec().size());
        if (d.allowed()) {
            return out;
        }
        for (int i = 0; i < d.spec().size(); i++) {
            if (waitMicros(d, i) >= 0) {
                out.add(i);
            }
        }
        if (out.isEmpty()) {
            out.add(binding(d)); // a denial always names the limit it reports
        }
        return out;
    }

    /**
     * Policy names ({@link RateLimitHeaders#policyName}) of the violated limits of a rejected verdict; empty when the
     * verdict has no decision (fail-closed, shed) or its decision allowed.
     */
    public static List<String> violatedPolicies(Verdict verdict) {
        Decision d = verdict.decision();
        if (d == null) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (int i : violated(d)) {
            names.add(RateLimitHeaders.policyName(verdict.rule().name(), i));
        }
        return names;
    }

    /**
     * Microseconds until limit {@code i} holds the cost, {@link Long#MAX_VALUE} when its capacity is below the cost,
     * or -1 when it already holds the cost (it did not deny).
     */
    private static long waitMicros(Decision d, int i) {
        if (d.allowed()) {
            return -1;
        }
        long missing = d.cost() * d.spec().unitsPerToken(i) - d.level(i);
        if (missing <= 0) {
            return -1;
        }
        if (d.spec().limit(i).capacity() < d.cost()) {
            return Long.MAX_VALUE;
        }
        return TokenBucket.ceilDiv(missing, d.spec().unitsPerMicro(i));
    }
}
