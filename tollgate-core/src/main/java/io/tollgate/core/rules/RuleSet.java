package io.tollgate.core.rules;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An ordered, immutable set of rules plus exempt paths. A request is matched against the rules in file order (the
 * first match wins); the {@code default} rule, wherever it appears, is tried last; an exempt path matches nothing.
 */
public final class RuleSet {

    private final List<Rule> ordered;
    private final Map<String, Rule> byName;
    private final Rule defaultRule;
    private final List<PathPattern> exemptPaths;
    private final List<Rule> all;

    private RuleSet(List<Rule> rules, List<PathPattern> exemptPaths) {
        Map<String, Rule> names = new LinkedHashMap<>();
        List<Rule> order = new ArrayList<>();
        Rule def = null;
        for (Rule r : rules) {
            if (names.putIfAbsent(r.name(), r) != null) {
                throw new IllegalArgumentException("duplicate rule name \"" + r.name() + "\"");
            }
            if (r.isDefault()) {
                def = r;
            } else {
                order.add(r);
            }
        }
        this.ordered = List.copyOf(order);
        this.byName = Map.copyOf(names);
        this.defaultRule = def;
        this.exemptPaths = List.copyOf(exemptPaths);
        List<Rule> everything = new ArrayList<>(order);
        if (def != null) {
            everything.add(def);
        }
        this.all = List.copyOf(everything);
    }

    public static RuleSet of(List<Rule> rules, List<PathPattern> exemptPaths) {
        return new RuleSet(rules, exemptPaths);
    }

    public static RuleSet of(List<Rule> rules) {
        return new RuleSet(rules, List.of());
    }

    /** The rule for this request, or empty when the path is exempt or no rule (not even {@code default}) applies. */
    public Optional<Rule> match(String method, String path) {
        return Optional.ofNullable(find(method, path));
    }

    /** Like {@link #match} but returns {@code null} instead of an empty optional, for the hot path. */
    public Rule find(String method, String path) {
        if (isExempt(path)) {
            return null;
        }
        for (Rule r : ordered) {
            if (r.matches(method, path)) {
                return r;
            }
        }
        return defaultRule != null && defaultRule.matches(method, path) ? defaultRule : null;
    }

    public boolean isExempt(String path) {
        for (PathPattern p : exemptPaths) {
            if (p.matches(path)) {
                return true;
            }
        }
        return false;
    }

    /** All rules, in matching order ({@code default} last). */
    public List<Rule> rules() {
        return all;
    }

    public Optional<Rule> rule(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Optional<Rule> defaultRule() {
        return Optional.ofNullable(defaultRule);
    }

    public List<PathPattern> exemptPaths() {
        return exemptPaths;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RuleSet other && ordered.equals(other.ordered)
                && java.util.Objects.equals(defaultRule, other.defaultRule) && exemptPaths.equals(other.exemptPaths);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(ordered, defaultRule, exemptPaths);
    }

    @Override
    public String toString() {
        return "RuleSet" + rules() + (exemptPaths.isEmpty() ? "" : " exempt=" + exemptPaths);
    }
}
