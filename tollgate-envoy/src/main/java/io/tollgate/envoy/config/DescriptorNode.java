package io.tollgate.envoy.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One configured descriptor (or a domain's root) and the descriptors nested below it. Immutable once loaded.
 *
 * <p>Children are found by composite key, {@code key} or {@code key_value}, exactly as envoyproxy/ratelimit stores
 * them; those whose composite key holds a {@code *} are also listed, in file order, as wildcard children.
 */
final class DescriptorNode {

    private final String compositeKey;
    private final RateLimitRule rule;
    private final boolean shareThreshold;
    private final boolean valueToMetric;
    private final Map<String, DescriptorNode> children;
    private final List<Wildcard> wildcards;

    /** A wildcard child with its pattern, tried in file order. */
    record Wildcard(WildcardPattern pattern, DescriptorNode node) {
    }

    /**
     * @param compositeKey   {@code key} or {@code key_value}; "" for a domain's root
     * @param rule           the descriptor's rate limit, or {@code null}
     * @param shareThreshold whether every value this wildcard descriptor matches shares one bucket
     * @param valueToMetric  {@code value_to_metric}: stats name this level by the request's value
     * @param children       nested descriptors by composite key, in file order
     */
    DescriptorNode(String compositeKey, RateLimitRule rule, boolean shareThreshold, boolean valueToMetric,
                   LinkedHashMap<String, DescriptorNode> children) {
        this.compositeKey = compositeKey;
        this.rule = rule;
        this.shareThreshold = shareThreshold;
        this.valueToMetric = valueToMetric;
        this.children = Collections.unmodifiableMap(new LinkedHashMap<>(children));
        this.wildcards = children.entrySet().stream()
                .filter(e -> WildcardPattern.isPattern(e.getKey()))
                .map(e -> new Wildcard(WildcardPattern.of(e.getKey()), e.getValue()))
                .toList();
    }

    String compositeKey() {
        return compositeKey;
    }

    /** The rate limit, or {@code null} when the descriptor has none (a placeholder, or a whitelisting entry). */
    RateLimitRule rule() {
        return rule;
    }

    boolean valueToMetric() {
        return valueToMetric;
    }

    boolean shareThreshold() {
        return shareThreshold;
    }

    Map<String, DescriptorNode> children() {
        return children;
    }

    List<Wildcard> wildcards() {
        return wildcards;
    }
}
