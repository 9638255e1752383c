package io.tollgate.core.rules;

import io.tollgate.core.bucket.BucketSpec;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One named rule: which requests it applies to, how clients are keyed, what a request costs, which requests take
 * tokens ({@link CountedResponses}), and the limits its bucket enforces. Immutable; build with {@link #builder(String)}.
 */
public final class Rule {

    /** The name of the rule that applies when no other rule matches. */
    public static final String DEFAULT_NAME = "default";

    /** Rule names are safe to put in metric tags, header values and Redis keys as they are. */
    public static final Pattern NAME_PATTERN = Pattern.compile("[A-Za-z0-9_.\\-]{1,64}");

    private final String name;
    private final List<PathPattern> paths;
    private final Set<String> methods;
    private final KeySource keySource;
    private final long cost;
    private final BucketSpec spec;
    private final RuleMode mode;
    private final FailurePolicy failurePolicy;
    private final boolean lease;
    private final CountedResponses counted;
    private final int hash;

    private Rule(Builder b) {
        this.name = b.name;
        this.paths = List.copyOf(b.paths);
        this.methods = b.methods.isEmpty() ? Set.of()
                : Set.copyOf(b.methods.stream().map(m -> m.toUpperCase(Locale.ROOT)).toList());
        this.keySource = b.keySource;
        this.cost = b.cost;
        this.spec = Objects.requireNonNull(b.spec, "spec");
        this.mode = b.mode;
        this.failurePolicy = b.failurePolicy;
        this.lease = b.lease;
        this.counted = b.counted;
        // cached: the local failure policy looks rules up by value on the request path
        this.hash = Objects.hash(name, paths, methods, keySource, cost, spec, mode, failurePolicy, lease, counted);
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    public boolean isDefault() {
        return DEFAULT_NAME.equals(name);
    }

    /** Path patterns; empty for the default rule, which matches everything. */
    public List<PathPattern> paths() {
        return paths;
    }

    /** Upper-case HTTP methods this rule applies to; empty means all. */
    public Set<String> methods() {
        return methods;
    }

    public KeySource keySource() {
        return keySource;
    }

    /** Tokens one request takes. */
    public long cost() {
        return cost;
    }

    public BucketSpec spec() {
        return spec;
    }

    public RuleMode mode() {
        return mode;
    }

    /** This rule's failure policy, or {@code null} to use the global default. */
    public FailurePolicy failurePolicy() {
        return failurePolicy;
    }

    /**
     * True when instances serve this rule's requests from small batches of tokens leased from the store (for hot
     * shared keys such as a global limit). Never over-admits; costs a bounded under-admission.
     */
    public boolean lease() {
        return lease;
    }

    /** Which requests take tokens: {@link CountedResponses#ALL} (every request, before it is served) by default. */
    public CountedResponses countedResponses() {
        return counted;
    }

    /**
     * True when this rule takes tokens only after a response whose status it counts; before the request it only checks
     * that the bucket holds the cost.
     */
    public boolean countsAfterResponse() {
        return counted.afterResponse();
    }

    /** True if this rule applies to a request with this method and (decoded, normalised) path. */
    public boolean matches(String method, String path) {
        if (!methods.isEmpty() && (method == null || !methods.contains(method.toUpperCase(Locale.ROOT)))) {
            return false;
        }
        if (paths.isEmpty()) {
            return true;
        }
        for (PathPattern p : paths) {
            if (p.matches(path)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Rule r && name.equals(r.name) && paths.equals(r.paths) && methods.equals(r.methods)
                && keySource.equals(r.keySource) && cost == r.cost && spec.equals(r.spec) && mode == r.mode
                && failurePolicy == r.failurePolicy && lease == r.lease && counted.equals(r.counted);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return "Rule{" + name + " " + spec.spec() + (paths.isEmpty() ? "" : " paths=" + paths)
                + (methods.isEmpty() ? "" : " methods=" + methods) + " key=" + keySource + " cost=" + cost
                + " mode=" + mode.name().toLowerCase(Locale.ROOT)
                + (failurePolicy == null ? "" : " failure_policy=" + failurePolicy.label()) + (lease ? " lease" : "")
                + (counted.afterResponse() ? " count=" + counted : "") + '}';
    }

    /**
     * Builder for {@link Rule}. Unset fields default to: all paths, all methods, key by IP, cost 1, enforce, every
     * request counted.
     */
    public static final class Builder {
        private final String name;
        private List<PathPattern> paths = List.of();
        private Set<String> methods = Set.of();
        private KeySource keySource = KeySource.IP;
        private long cost = 1;
        private BucketSpec spec;
        private RuleMode mode = RuleMode.ENFORCE;
        private FailurePolicy failurePolicy;
        private boolean lease;
        private CountedResponses counted = CountedResponses.ALL;

        private Builder(String name) {
            if (name == null || !NAME_PATTERN.matcher(name).matches()) {
                throw new IllegalArgumentException("a rule name must be 1 to 64 characters of A-Z, a-z, 0-9, '_', '.', '-' but got \"" + name + "\"");
            }
            this.name = name;
        }

        public Builder paths(List<PathPattern> paths) {
            this.paths = paths;
            return this;
        }

        public Builder methods(Set<String> methods) {
            this.methods = methods;
            return this;
        }

        public Builder keySource(KeySource keySource) {
            this.keySource = Objects.requireNonNull(keySource);
            return this;
        }

        public Builder cost(long cost) {
            if (cost < 1) {
                throw new IllegalArgumentException("cost must be a whole number of at least 1 but got " + cost);
            }
            this.cost = cost;
            return this;
        }

        public Builder spec(BucketSpec spec) {
            this.spec = spec;
            return this;
        }

        public Builder mode(RuleMode mode) {
            this.mode = Objects.requireNonNull(mode);
            return this;
        }

        public Builder failurePolicy(FailurePolicy failurePolicy) {
            this.failurePolicy = failurePolicy;
            return this;
        }

        public Builder lease(boolean lease) {
            this.lease = lease;
            return this;
        }

        public Builder countedResponses(CountedResponses counted) {
            this.counted = Objects.requireNonNull(counted);
            return this;
        }

        public Rule build() {
            return new Rule(this);
        }
    }
}
