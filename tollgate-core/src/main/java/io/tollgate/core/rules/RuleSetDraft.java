package io.tollgate.core.rules;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The rules of one source, in matching order, plus exempt paths, and the one place where a rule set is checked:
 * each rule by its {@link RuleDraft}, then what concerns the set as a whole.
 *
 * <p>Set-level checks: rule names are unique, and exempt paths are valid path patterns. A duplicate name is reported
 * with the name as the rule and an empty path; an exempt-path problem has no rule and the path
 * {@code [exempt_paths, [i]]}.
 */
public final class RuleSetDraft {

    static final String DUPLICATE_NAME = "rule name appears more than once; rule names must be unique";

    private final List<RuleDraft> rules = new ArrayList<>();
    private List<String> exemptPaths = List.of();

    /** Appends a rule; rules match in the order added, {@code default} last. */
    public RuleSetDraft add(RuleDraft rule) {
        rules.add(rule);
        return this;
    }

    /** Path patterns that are never limited. */
    public RuleSetDraft exemptPaths(List<String> patterns) {
        this.exemptPaths = List.copyOf(patterns);
        return this;
    }

    /** Checks every rule and the set; returns the rule set, or every problem found, rule by rule in order. */
    public Validated<RuleSet> validate() {
        List<RuleProblem> problems = new ArrayList<>();
        List<PathPattern> exempt = new ArrayList<>();
        for (int i = 0; i < exemptPaths.size(); i++) {
            String s = exemptPaths.get(i);
            List<String> at = List.of("exempt_paths", "[" + i + "]");
            if (s == null) {
                problems.add(new RuleProblem(null, at, null, "missing; expected a path pattern starting with \"/\""));
                continue;
            }
            try {
                PathPattern p = PathPattern.of(s);
                if (!exempt.contains(p)) {
                    exempt.add(p);
                }
            } catch (IllegalArgumentException e) {
                problems.add(new RuleProblem(null, at, s, e.getMessage()));
            }
        }
        List<Rule> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (RuleDraft d : rules) {
            if (!names.add(d.name())) {
                problems.add(new RuleProblem(d.name(), List.of(), d.name(), DUPLICATE_NAME));
                continue;
            }
            Validated<Rule> r = d.validate();
            if (r.isValid()) {
                out.add(r.value());
            } else {
                problems.addAll(r.problems());
            }
        }
        return problems.isEmpty() ? Validated.valid(RuleSet.of(out, exempt)) : Validated.invalid(problems);
    }
}
