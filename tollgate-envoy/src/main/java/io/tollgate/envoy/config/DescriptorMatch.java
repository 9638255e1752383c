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
 */
public record DescriptorMatch(String domain, List<DescriptorEntry> entries, RateLimitRule rule, String bucketKey) {

    public DescriptorMatch {
        Objects.requireNonNull(domain, "domain");
        entries = List.copyOf(entries);
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(bucketKey, "bucketKey");
    }
}
