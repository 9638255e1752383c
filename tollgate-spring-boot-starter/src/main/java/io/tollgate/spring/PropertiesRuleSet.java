package io.tollgate.spring;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.rules.KeySource;
import io.tollgate.core.rules.PathPattern;
import io.tollgate.core.rules.Rule;
import io.tollgate.core.rules.RuleSet;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link RuleSet} from {@code tollgate.rules.*}. Every problem becomes a {@link TollgateConfigurationException}
 * naming the exact property. Rules match in the order they are configured; {@code default} is tried last.
 */
final class PropertiesRuleSet {

    /** The rule used when neither a rules file nor rules are configured: 20 tokens, refilled at 5 per second. */
    static final Rule BUILT_IN_DEFAULT = Rule.builder(Rule.DEFAULT_NAME)
            .spec(BucketSpec.of(Limit.of(20, 5, RefillPeriod.SECOND))).build();

    private PropertiesRuleSet() {
    }

    static RuleSet build(Map<String, TollgateProperties.RuleProperties> rules) {
        if (rules.isEmpty()) {
            return RuleSet.of(List.of(BUILT_IN_DEFAULT));
        }
        List<Rule> out = new ArrayList<>();
        for (Map.Entry<String, TollgateProperties.RuleProperties> e : rules.entrySet()) {
            out.add(rule(e.getKey(), e.getValue()));
        }
        return RuleSet.of(out);
    }

    private static Rule rule(String name, TollgateProperties.RuleProperties p) {
        String prefix = "tollgate.rules." + name + ".";
        Rule.Builder b;
        try {
            b = Rule.builder(name);
        } catch (IllegalArgumentException e) {
            throw new TollgateConfigurationException("tollgate.rules", name, e.getMessage(), e);
        }
        if (p.getCapacity() == null) {
            throw new TollgateConfigurationException(prefix + "capacity", "", "a capacity is required");
        }
        if (p.getRefillRate() == null) {
            throw new TollgateConfigurationException(prefix + "refill-rate", "", "a refill rate is required");
        }
        try {
            b.spec(BucketSpec.of(Limit.of(p.getCapacity(), p.getRefillRate(), p.getPeriod())));
        } catch (IllegalArgumentException e) {
            throw new TollgateConfigurationException(prefix + "capacity", p.getCapacity() + " @ "
                    + p.getRefillRate().toPlainString() + "/" + p.getPeriod().label(), e.getMessage(), e);
        }
        List<PathPattern> paths = new ArrayList<>();
        for (int i = 0; i < p.getPaths().size(); i++) {
            paths.add(pattern(prefix + "paths[" + i + "]", p.getPaths().get(i)));
        }
        boolean isDefault = Rule.DEFAULT_NAME.equals(name);
        if (isDefault && !paths.isEmpty()) {
            throw new TollgateConfigurationException(prefix + "paths", String.join(",", p.getPaths()),
                    "the default rule applies to every request no other rule matches and takes no paths");
        }
        b.paths(paths.isEmpty() && !isDefault ? List.of(PathPattern.forRuleName(name)) : paths);
        b.methods(new LinkedHashSet<>(p.getMethods()));
        List<KeySource.Part> parts = new ArrayList<>();
        for (int i = 0; i < p.getKey().size(); i++) {
            try {
                parts.add(KeySource.parsePart(p.getKey().get(i)));
            } catch (IllegalArgumentException e) {
                throw new TollgateConfigurationException(prefix + "key[" + i + "]", p.getKey().get(i), e.getMessage(), e);
            }
        }
        if (parts.isEmpty()) {
            throw new TollgateConfigurationException(prefix + "key", "", "at least one key part is required");
        }
        b.keySource(KeySource.of(parts));
        try {
            b.cost(p.getCost());
        } catch (IllegalArgumentException e) {
            throw new TollgateConfigurationException(prefix + "cost", Long.toString(p.getCost()), e.getMessage(), e);
        }
        return b.mode(p.getMode()).failurePolicy(p.getFailurePolicy()).lease(p.isLease()).build();
    }

    static PathPattern pattern(String property, String text) {
        try {
            return PathPattern.of(text);
        } catch (IllegalArgumentException e) {
            throw new TollgateConfigurationException(property, text, e.getMessage(), e);
        }
    }
}
