package io.tollgate.core.rules;

/** What a request gets when the store cannot decide within its time budget. */
public enum FailurePolicy {
    /** Allow, and flag it in metrics and a response header. */
    FAIL_OPEN("fail-open"),
    /** Deny with 503 and a short Retry-After. */
    FAIL_CLOSED("fail-closed"),
    /** Decide with an in-memory bucket in this instance, scaled down by the expected instance count. */
    LOCAL("local");

    private final String label;

    FailurePolicy(String label) {
        this.label = label;
    }

    /** The name as written in configuration: {@code fail-open}, {@code fail-closed} or {@code local}. */
    public String label() {
        return label;
    }

    /** @throws IllegalArgumentException naming the accepted values */
    public static FailurePolicy parse(String text) {
        for (FailurePolicy p : values()) {
            if (p.label.equalsIgnoreCase(text) || p.name().equalsIgnoreCase(text)) {
                return p;
            }
        }
        throw new IllegalArgumentException("expected one of \"fail-open\", \"fail-closed\", \"local\" but got \"" + text + "\"");
    }
}
