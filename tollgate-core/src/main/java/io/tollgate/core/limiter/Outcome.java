package io.tollgate.core.limiter;

/** What happened to one request, as reported to metrics. */
public enum Outcome {
    /** The store allowed it. */
    ALLOWED("allowed"),
    /** The store denied it and the rule enforces: the client gets 429. */
    DENIED("denied"),
    /** The store denied it but the rule is in shadow mode: let through, counted and reported. */
    SHADOW_DENIED("shadow_denied"),
    /** The store could not decide; the failure policy decided instead. */
    ERROR("error"),
    /**
     * The store is healthy but this decision queued past its overload budget: rejected with 503 and a short
     * Retry-After. No failure policy applies (it could admit requests for free while the store is merely busy).
     */
    SHED("shed");

    private final String tag;

    Outcome(String tag) {
        this.tag = tag;
    }

    /** Lower-case value used as a metric tag. */
    public String tag() {
        return tag;
    }
}
