package io.tollgate.envoy.service;

import io.tollgate.core.rules.FailurePolicy;

/**
 * Observes {@link EnvoyLimiter} decisions, for metrics. Called on the thread that completed the store call; must not
 * block or throw.
 */
public interface EnvoyLimiterListener {

    EnvoyLimiterListener NONE = new EnvoyLimiterListener() {
    };

    /**
     * One request descriptor that matched a limit (unlimited ones and those without a rule are not reported).
     *
     * @param domain    the request's domain
     * @param statsKey  the descriptor's configured path ({@code domain.key_value.key}), or with {@code detailed_metric}
     *                  the request's values; so the number of distinct keys is bounded by the configuration unless a
     *                  rule asks for detail
     * @param hits      the hits it asked for (0 for a check)
     * @param overLimit its bucket could not give the hits (also when its rule is in shadow mode)
     * @param shadow    over the limit but let through by the rule's {@code shadow_mode}
     * @param nearLimit within the limit, and the tightest limit is now used past the near-limit ratio
     */
    default void onDescriptor(String domain, String statsKey, long hits, boolean overLimit, boolean shadow,
                              boolean nearLimit) {
    }

    /**
     * One answered request.
     *
     * @param domainFound whether the domain is configured
     * @param overLimit   the overall code was OVER_LIMIT
     * @param degraded    the failure policy that answered because the store could not, or {@code null}
     * @param shed        the store was overloaded and the request was shed
     */
    default void onRequest(String domain, boolean domainFound, boolean overLimit, FailurePolicy degraded,
                           boolean shed) {
    }
}
