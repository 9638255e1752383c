package io.tollgate.core.limiter;

import java.time.Duration;

/**
 * A dry run ({@link RuleLimiter#estimate}): whether an acquisition of {@code cost} tokens would be granted now, and
 * otherwise how long until it would, if nobody else takes tokens meanwhile. Nothing was taken.
 *
 * @param allowedNow whether the tokens are there now
 * @param waitTime   zero when allowed now; else the wait until they would be; a very long duration when the cost
 *                   exceeds a capacity and can never be granted
 * @param remaining  whole tokens in the tightest limit now
 */
public record Estimate(boolean allowedNow, Duration waitTime, long remaining) {
}
