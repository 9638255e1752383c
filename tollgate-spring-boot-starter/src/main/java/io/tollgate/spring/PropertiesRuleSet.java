package io.tollgate.spring;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.rules.LimitDraft;
import io.tollgate.core.rules.PathPattern;
import io.tollgate.core.rules.Rule;
import io.tollgate.core.rules.RuleDraft;
import io.tollgate.core.rules.RuleProblem;
import io.tollgate.core.rules.RuleSet;
import io.tollgate.core.rules.RuleSetDraft;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link RuleSet} from {@code tollgate.rules.*}: maps each {@link TollgateProperties.RuleProperties} onto a
 * {@link RuleDraft}, which does all the checking, exactly as for a rule in the rules file. The first problem becomes a
 * {@link TollgateConfigurationException} for the property {@code tollgate.rules.<name>.<field>}, with the field in
 * kebab case and without the rules file's {@code match.} (for example {@code tollgate.rules.api.limits[1].capacity}
 * or {@code tollgate.rules.api.methods[0]}) and the same message the rules file gives. Rules match in the order they
 * are configured; {@code default} is tried last.
 */
final class PropertiesRuleSet {

    /** The rule used when neither a rules file nor rules are configured: 20 tokens, refilled at 5 per second. */
    static final Rule BUILT_IN_DEFAULT = Rule.builder(Rule.DEFAULT_NAME)
            .spec(BucketSpec.of(Limit.of(20, 5, RefillPeriod.SECOND))).build();

    private static final String PREFIX = "tollgate.rules";

    private PropertiesRuleSet() {
    }

    static RuleSet build(Map<String, TollgateProperties.RuleProperties> rules) {
        if (rules.isEmpty()) {
            return RuleSet.of(List.of(BUILT_IN_DEFAULT));
        }
        RuleSetDraft set = new RuleSetDraft();
        rules.forEach((name, p) -> set.add(draft(name, p)));
        return set.validate().orElseThrow(PropertiesRuleSet::exception);
    }

    /** The draft of one rule. An empty list is how properties leave a list out, so it means "not given". */
    static RuleDraft draft(String name, TollgateProperties.RuleProperties p) {
        RuleDraft d = RuleDraft.named(name);
        if (p.getCapacity() != null || p.getRefillRate() != null || p.getPeriod() != null) {
            d.limit(new LimitDraft(p.getCapacity(), p.getRefillRate(), label(p.getPeriod())));
        }
        if (!p.getLimits().isEmpty()) {
            List<LimitDraft> limits = new ArrayList<>();
            for (TollgateProperties.LimitProperties l : p.getLimits()) {
                limits.add(l == null ? null : new LimitDraft(l.getCapacity(), l.getRefillRate(), label(l.getPeriod())));
            }
            d.limits(limits);
        }
        if (!p.getPaths().isEmpty()) {
            d.paths(p.getPaths());
        }
        if (!p.getMethods().isEmpty()) {
            d.methods(p.getMethods());
        }
        TollgateProperties.CountProperties count = p.getCount();
        if (count != null) {
            if (count.getKeyword() != null) {
                d.count(count.getKeyword());
            }
            // a count block without its keyword has its list, even an empty one (count.status=), which the draft rejects
            if (count.getKeyword() == null || !count.getStatus().isEmpty()) {
                d.countStatuses(count.getStatus().stream().map(s -> s == null ? null : s.longValue()).toList());
            }
        }
        return d.key(p.getKey())
                .cost(p.getCost())
                .mode(p.getMode() == null ? null : p.getMode().name())
                .failurePolicy(p.getFailurePolicy() == null ? null : p.getFailurePolicy().label())
                .lease(p.isLease());
    }

    static TollgateConfigurationException exception(RuleProblem p) {
        String value = p.value() == null ? "" : p.value();
        if (p.rule() == null || p.path().isEmpty()) {
            // the name itself (or the set): there is no field to point at
            return new TollgateConfigurationException(PREFIX, p.rule() == null ? value : p.rule(), p.message());
        }
        return new TollgateConfigurationException(property(p.rule(), p.path()), value, p.message());
    }

    /** {@code tollgate.rules.<name>.<field>}, the field in kebab case and {@code match.paths} as {@code paths}. */
    static String property(String rule, List<String> path) {
        List<String> segments = new ArrayList<>();
        for (String s : path) {
            if (segments.isEmpty() && s.equals("match")) {
                continue;
            }
            segments.add(s.replace('_', '-'));
        }
        // a name with a dot is one map key only in brackets
        String key = rule.indexOf('.') >= 0 ? PREFIX + "[" + rule + "]" : PREFIX + "." + rule;
        return key + "." + RuleProblem.join(segments);
    }

    private static String label(RefillPeriod period) {
        return period == null ? null : period.label();
    }

    static PathPattern pattern(String property, String text) {
        try {
            return PathPattern.of(text);
        } catch (IllegalArgumentException e) {
            throw new TollgateConfigurationException(property, text, e.getMessage(), e);
        }
    }
}
