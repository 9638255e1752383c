package io.tollgate.envoy.config;

import java.util.List;
import java.util.Objects;

/**
 * A request descriptor that matched a configured rate limit.
 *
 * @param domain    the request's domain
 * @param entries   the request descriptor's entries, as sent
 * @param rule      the matched rule
 * @param bucketKey the bucket these values count against (see {@link BucketKey}); stable across reloads and safe as
 *                  a store key
 * @param statsKey  the stats name, as envoyproxy/ratelimit names it: the configured path
 *                  ({@code domain.key_value.key}), with the request's value at each level that has
 *                  {@code value_to_metric}, or at every level when the rule has {@code detailed_metric} (a
 *                  {@code share_threshold} wildcard then shows its pattern up to the {@code *})
 */
public record DescriptorMatch(String domain, List<DescriptorEntry> entries, RateLimitRule rule, String bucketKey,
                              String statsKey) {

    public DescriptorMatch {
        Objects.requireNonNull(domain, "domain");
        entries = List.copyOf(entries);
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(bucketKey, "bucketKey");
        Objects.requireNonNull(statsKey, "statsKey");
    }
}
