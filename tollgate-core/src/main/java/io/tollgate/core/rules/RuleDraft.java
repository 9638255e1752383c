package io.tollgate.core.rules;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The raw fields of one rule as a source read them, and the one place where a rule is checked.
 *
 * <p>Sources (the rules file, Spring properties) check only their own syntax, such as JSON types or property binding,
 * then map each field onto a draft and call {@link #validate()}. Every setter takes the value as given, and
 * {@code null} means "not given": the default applies. The draft checks that:
 * <ul>
 *   <li>the name is 1 to 64 characters of {@code A-Z a-z 0-9 _ . -} ({@link Rule#NAME_PATTERN});</li>
 *   <li>there is either the single-limit shorthand ({@link #limit}) or a non-empty list ({@link #limits}), not both;
 *       each limit has a capacity of at least 1, a refill rate above 0, a known period, and passes the exact-arithmetic
 *       bounds of {@link Limit#of};</li>
 *   <li>the {@code default} rule has no paths and no methods (it matches everything); any other rule without paths
 *       applies to {@code /<name>/**} ({@link PathPattern#forRuleName});</li>
 *   <li>given paths and methods are non-empty lists of valid path patterns and RFC 9110 method tokens;</li>
 *   <li>the key has at least one part, each {@code ip}, {@code global}, {@code principal}, {@code header:<Name>},
 *       {@code query:<name>} or {@code path:<variable>}, none repeated, and every path pattern of the rule has each
 *       {@code path:} variable (a request matched by a pattern without it would have no value);</li>
 *   <li>the cost is at least 1 and at most the smallest capacity of the rule's limits;</li>
 *   <li>{@code count} is {@code failures} or a non-empty list of status codes from 100 to 599, and a rule that counts
 *       after the response does not {@code lease};</li>
 *   <li>the mode and failure policy are known names.</li>
 * </ul>
 * Problems name their field by path in rules-file spelling (see {@link RuleProblem}); their messages do not depend on
 * the source, so the same mistake reads the same in a file and in properties.
 */
public final class RuleDraft {

    static final String CAPACITY_EXPECTED = "a whole number greater than 0";
    static final String RATE_EXPECTED = "a number greater than 0 (tokens added per period)";
    static final String COST_EXPECTED = "a whole number of at least 1";
    static final String MODE_EXPECTED = "\"enforce\" or \"shadow\"";
    static final String METHOD_EXPECTED = "an HTTP method name such as \"GET\"";
    static final String COUNT_EXPECTED = "\"failures\" or a \"status\" list such as [401, 403]";
    static final String STATUS_EXPECTED = "an HTTP status code from 100 to 599";
    static final String INVALID_NAME =
            "invalid rule name; a rule name must be 1 to 64 characters of A-Z, a-z, 0-9, '_', '.', '-'";
    static final String LEASE_WITH_COUNT = "a rule with \"count\" takes its tokens after the response, so it cannot"
            + " lease them; remove \"lease\" or \"count\"";
    static final String DEFAULT_SELECTS = "the default rule applies to every request that no other rule matches,"
            + " so it cannot have paths or methods; add a separate rule instead";

    private final String name;
    private LimitDraft shorthand;
    private List<LimitDraft> limits;
    private List<String> paths;
    private List<String> methods;
    private List<String> key;
    private boolean keyIsList;
    private Long cost;
    private String mode;
    private String failurePolicy;
    private Boolean lease;
    private String countKeyword;
    private List<Long> countStatuses;

    private RuleDraft(String name) {
        this.name = name;
    }

    /** A draft of the rule with this name; the name is checked by {@link #validate()}. */
    public static RuleDraft named(String name) {
        return new RuleDraft(name);
    }

    public String name() {
        return name;
    }

    /** The single-limit shorthand ({@code capacity}, {@code refill_rate}, {@code period} on the rule itself). */
    public RuleDraft limit(LimitDraft limit) {
        this.shorthand = limit;
        return this;
    }

    /** The list of limits ({@code limits}); a request must pass all of them. */
    public RuleDraft limits(List<LimitDraft> limits) {
        this.limits = limits == null ? null : new ArrayList<>(limits);
        return this;
    }

    /** Path patterns ({@code match.paths}). */
    public RuleDraft paths(List<String> paths) {
        this.paths = paths == null ? null : new ArrayList<>(paths);
        return this;
    }

    /** HTTP methods ({@code match.methods}), any case. */
    public RuleDraft methods(List<String> methods) {
        this.methods = methods == null ? null : new ArrayList<>(methods);
        return this;
    }

    /** A key of one part written on its own ({@code "key": "ip"}); problems are reported at {@code key}. */
    public RuleDraft key(String part) {
        this.key = part == null ? null : List.of(part);
        this.keyIsList = false;
        return this;
    }

    /** A key as a list of parts; problems are reported at {@code key[i]}. */
    public RuleDraft key(List<String> parts) {
        this.key = parts == null ? null : new ArrayList<>(parts);
        this.keyIsList = true;
        return this;
    }

    public RuleDraft cost(Long cost) {
        this.cost = cost;
        return this;
    }

    /** {@code enforce} or {@code shadow}, any case. */
    public RuleDraft mode(String mode) {
        this.mode = mode;
        return this;
    }

    /** A {@link FailurePolicy} label or name, any case; not given means the global default. */
    public RuleDraft failurePolicy(String failurePolicy) {
        this.failurePolicy = failurePolicy;
        return this;
    }

    public RuleDraft lease(Boolean lease) {
        this.lease = lease;
        return this;
    }

    /** {@code count} as a keyword ({@code "count": "failures"}), any case; problems are reported at {@code count}. */
    public RuleDraft count(String keyword) {
        this.countKeyword = keyword;
        return this;
    }

    /** {@code count.status}: the statuses whose responses take tokens; problems at {@code count.status[i]}. */
    public RuleDraft countStatuses(List<Long> statuses) {
        this.countStatuses = statuses == null ? null : new ArrayList<>(statuses);
        return this;
    }

    /** Checks every field; returns the rule, or every problem found in field order. */
    public Validated<Rule> validate() {
        Problems problems = new Problems(name);
        boolean nameOk = name != null && Rule.NAME_PATTERN.matcher(name).matches();
        if (!nameOk) {
            problems.add(List.of(), name, INVALID_NAME);
        }
        BucketSpec spec = spec(problems);
        int beforePaths = problems.size();
        List<PathPattern> pathPatterns = paths(problems, nameOk);
        boolean pathsOk = nameOk && problems.size() == beforePaths;
        Set<String> methodSet = methods(problems);
        KeySource keySource = keySource(problems, pathsOk ? pathPatterns : null);
        long c = cost(problems, spec);
        CountedResponses counted = counted(problems);
        RuleMode m = mode(problems);
        FailurePolicy fp = failurePolicy(problems);
        boolean leased = Boolean.TRUE.equals(lease);
        if (leased && counted != null && counted.afterResponse()) {
            problems.add(List.of("lease"), "true", LEASE_WITH_COUNT);
        }
        if (!problems.isEmpty()) {
            return Validated.invalid(problems.list);
        }
        return Validated.valid(Rule.builder(name).spec(spec).paths(pathPatterns).methods(methodSet)
                .keySource(keySource).cost(c).mode(m).failurePolicy(fp).lease(leased).countedResponses(counted)
                .build());
    }

    private boolean isDefault() {
        return Rule.DEFAULT_NAME.equals(name);
    }

    // ---- limits ------------------------------------------------------------------------------------------------

    private BucketSpec spec(Problems problems) {
        if (shorthand != null && limits != null) {
            problems.add(List.of("limits"), null,
                    "use either \"capacity\"/\"refill_rate\"/\"period\" or \"limits\", not both");
            return null;
        }
        if (shorthand == null && limits == null) {
            problems.add(List.of("capacity"), null,
                    "missing; a rule needs \"capacity\" and \"refill_rate\", or \"limits\"");
            return null;
        }
        if (shorthand != null) {
            Limit l = limit(shorthand, List.of(), problems);
            return l == null ? null : BucketSpec.of(l);
        }
        if (limits.isEmpty()) {
            problems.add(List.of("limits"), "[]", "expected at least one limit but the list is empty");
            return null;
        }
        List<Limit> out = new ArrayList<>();
        for (int i = 0; i < limits.size(); i++) {
            List<String> at = List.of("limits", index(i));
            LimitDraft d = limits.get(i);
            if (d == null) {
                problems.add(at, null, "missing; expected a limit with \"capacity\" and \"refill_rate\"");
                continue;
            }
            Limit l = limit(d, at, problems);
            if (l != null) {
                out.add(l);
            }
        }
        return out.size() == limits.size() ? BucketSpec.of(out) : null;
    }

    private static Limit limit(LimitDraft d, List<String> at, Problems problems) {
        int before = problems.size();
        Long capacity = d.capacity();
        if (capacity == null) {
            problems.add(at, "capacity", null, "missing; expected " + CAPACITY_EXPECTED);
        } else if (capacity < 1) {
            problems.add(at, "capacity", capacity.toString(), "expected " + CAPACITY_EXPECTED + " but got " + capacity);
        }
        BigDecimal rate = d.refillRate();
        if (rate == null) {
            problems.add(at, "refill_rate", null, "missing; expected " + RATE_EXPECTED);
        } else if (rate.signum() <= 0) {
            problems.add(at, "refill_rate", rate.toString(), "expected " + RATE_EXPECTED + " but got " + rate);
        }
        RefillPeriod period = RefillPeriod.SECOND;
        if (d.period() != null) {
            try {
                period = RefillPeriod.parse(d.period());
            } catch (IllegalArgumentException e) {
                problems.add(at, "period", d.period(), e.getMessage());
            }
        }
        if (problems.size() > before) {
            return null;
        }
        try {
            return Limit.of(capacity, rate, period);
        } catch (IllegalArgumentException | ArithmeticException e) {
            // a fractional rate is what usually needs the precision, so point at it
            boolean blameRate = rate.stripTrailingZeros().scale() > 0;
            problems.add(at, blameRate ? "refill_rate" : "capacity", blameRate ? rate.toString() : capacity.toString(),
                    e.getMessage());
            return null;
        }
    }

    // ---- match -------------------------------------------------------------------------------------------------

    private List<PathPattern> paths(Problems problems, boolean nameOk) {
        List<String> at = List.of("match", "paths");
        if (paths == null) {
            return isDefault() || !nameOk ? List.of() : List.of(PathPattern.forRuleName(name));
        }
        if (isDefault()) {
            problems.add(at, String.join(",", paths), DEFAULT_SELECTS);
            return List.of();
        }
        if (paths.isEmpty()) {
            problems.add(at, "[]", "expected at least one path pattern but the list is empty");
            return List.of();
        }
        List<PathPattern> out = new ArrayList<>();
        for (int i = 0; i < paths.size(); i++) {
            String s = paths.get(i);
            List<String> item = List.of("match", "paths", index(i));
            if (s == null) {
                problems.add(item, null, "missing; expected a path pattern starting with \"/\"");
                continue;
            }
            try {
                PathPattern p = PathPattern.of(s);
                if (!out.contains(p)) {
                    out.add(p);
                }
            } catch (IllegalArgumentException e) {
                problems.add(item, s, e.getMessage());
            }
        }
        return out;
    }

    private Set<String> methods(Problems problems) {
        List<String> at = List.of("match", "methods");
        if (methods == null) {
            return Set.of();
        }
        if (isDefault()) {
            problems.add(at, String.join(",", methods), DEFAULT_SELECTS);
            return Set.of();
        }
        if (methods.isEmpty()) {
            problems.add(at, "[]", "expected at least one HTTP method but the list is empty;"
                    + " leave \"methods\" out to match every method");
            return Set.of();
        }
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i < methods.size(); i++) {
            String s = methods.get(i);
            if (s == null || !HttpToken.isToken(s)) {
                problems.add(List.of("match", "methods", index(i)), s,
                        "expected " + METHOD_EXPECTED + " but got " + (s == null ? "nothing" : quote(s)));
            } else {
                out.add(s.toUpperCase(Locale.ROOT));
            }
        }
        return out;
    }

    // ---- key, cost, mode, failure policy -----------------------------------------------------------------------

    /** @param patterns the rule's path patterns, or {@code null} when they had problems (path parts go unchecked) */
    private KeySource keySource(Problems problems, List<PathPattern> patterns) {
        if (key == null) {
            return KeySource.IP;
        }
        if (key.isEmpty()) {
            problems.add(List.of("key"), "[]", "expected at least one key part but the list is empty");
            return null;
        }
        List<KeySource.Part> parts = new ArrayList<>();
        int before = problems.size();
        for (int i = 0; i < key.size(); i++) {
            String s = key.get(i);
            List<String> at = keyIsList ? List.of("key", index(i)) : List.of("key");
            if (s == null) {
                problems.add(at, null, "missing; expected " + KeySource.FORMS);
                continue;
            }
            KeySource.Part part;
            try {
                part = KeySource.parsePart(s);
            } catch (IllegalArgumentException e) {
                problems.add(at, s, e.getMessage());
                continue;
            }
            // header names are case-insensitive, so header:a and header:A are the same part
            if (parts.stream().anyMatch(part::sameAs)) {
                problems.add(at, s, quote(part.toString()) + " appears more than once in the key");
                continue;
            }
            if (part.kind() == KeySource.Kind.PATH && patterns != null) {
                String missing = missingVariable(part.name(), patterns);
                if (missing != null) {
                    problems.add(at, s, missing);
                    continue;
                }
            }
            parts.add(part);
        }
        return problems.size() > before ? null : KeySource.of(parts);
    }

    /** Why {@code variable} cannot key this rule, or {@code null} when every one of its path patterns has it. */
    private String missingVariable(String variable, List<PathPattern> patterns) {
        if (patterns.isEmpty()) {
            return "path variable \"" + variable + "\" needs a path pattern with a {" + variable + "} segment, and the"
                    + " default rule has no path patterns";
        }
        for (PathPattern p : patterns) {
            if (!p.variables().contains(variable)) {
                return "path variable \"" + variable + "\" is not in the rule's path pattern " + quote(p.pattern())
                        + "; a \"path:\" key needs a {" + variable + "} segment in every path pattern of its rule";
            }
        }
        return null;
    }

    private long cost(Problems problems, BucketSpec spec) {
        if (cost == null) {
            return 1;
        }
        if (cost < 1) {
            problems.add(List.of("cost"), cost.toString(), "expected " + COST_EXPECTED + " but got " + cost);
        } else if (spec != null && spec.exceedsCapacity(cost)) {
            problems.add(List.of("cost"), cost.toString(), "cost " + cost + " exceeds the smallest capacity of this rule ("
                    + spec.minCapacity() + "), so no request could ever be allowed");
        }
        return cost;
    }

    /** The counted responses, or {@code null} when {@code count} has a problem. */
    private CountedResponses counted(Problems problems) {
        if (countKeyword != null && countStatuses != null) {
            problems.add(List.of("count"), countKeyword, "use either \"failures\" or a \"status\" list, not both");
            return null;
        }
        if (countKeyword != null) {
            if (countKeyword.trim().equalsIgnoreCase(CountedResponses.FAILURES.toString())) {
                return CountedResponses.FAILURES;
            }
            problems.add(List.of("count"), countKeyword, "expected " + COUNT_EXPECTED + " but got " + quote(countKeyword));
            return null;
        }
        if (countStatuses == null) {
            return CountedResponses.ALL;
        }
        List<String> at = List.of("count", "status");
        if (countStatuses.isEmpty()) {
            problems.add(at, "[]", "expected at least one HTTP status code but the list is empty");
            return null;
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < countStatuses.size(); i++) {
            Long s = countStatuses.get(i);
            List<String> item = List.of("count", "status", index(i));
            if (s == null) {
                problems.add(item, null, "missing; expected " + STATUS_EXPECTED);
            } else if (s < CountedResponses.MIN_STATUS || s > CountedResponses.MAX_STATUS) {
                problems.add(item, s.toString(), "expected " + STATUS_EXPECTED + " but got " + s);
            } else {
                out.add(s.intValue());
            }
        }
        return out.size() == countStatuses.size() ? CountedResponses.statuses(out) : null;
    }

    private RuleMode mode(Problems problems) {
        if (mode == null) {
            return RuleMode.ENFORCE;
        }
        for (RuleMode m : RuleMode.values()) {
            if (m.name().equalsIgnoreCase(mode)) {
                return m;
            }
        }
        problems.add(List.of("mode"), mode, "expected " + MODE_EXPECTED + " but got " + quote(mode));
        return null;
    }

    private FailurePolicy failurePolicy(Problems problems) {
        if (failurePolicy == null) {
            return null;
        }
        try {
            return FailurePolicy.parse(failurePolicy);
        } catch (IllegalArgumentException e) {
            problems.add(List.of("failure_policy"), failurePolicy, e.getMessage());
            return null;
        }
    }

    private static String index(int i) {
        return "[" + i + "]";
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }

    /** Collects problems of one rule. */
    private static final class Problems {
        private final String rule;
        private final List<RuleProblem> list = new ArrayList<>();

        Problems(String rule) {
            this.rule = rule;
        }

        void add(List<String> path, String value, String message) {
            list.add(new RuleProblem(rule, path, value, message));
        }

        void add(List<String> prefix, String field, String value, String message) {
            List<String> path = new ArrayList<>(prefix);
            path.add(field);
            add(path, value, message);
        }

        int size() {
            return list.size();
        }

        boolean isEmpty() {
            return list.isEmpty();
        }
    }

    @Override
    public String toString() {
        return "RuleDraft{" + name + '}';
    }
}
