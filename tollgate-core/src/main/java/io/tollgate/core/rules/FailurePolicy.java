package io.tollgate.core.rules;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * What a request gets when the store cannot decide within its time budget (it timed out, the connection is lost, the
 * circuit is open). Every such answer is flagged with {@code X-RateLimit-Degraded: <label>} and counted under
 * {@code outcome=error, policy=<label>}. A store that is merely overloaded never gets here: the request is shed.
 */
public enum FailurePolicy {
    /**
     * Allow, but never past the client's own limit in this instance: decide with a local bucket holding the rule's
     * full limit, starting from the levels the store last reported for that bucket (else full). Per instance and
     * bucket an outage admits at most {@code capacity + rate × duration}; across {@code N} instances at most {@code N}
     * times that. A local denial is a 429, still flagged degraded. The default.
     */
    FAIL_OPEN("fail-open"),
    /** Allow everything, however many requests come: no limit at all while the store is down. An explicit choice. */
    FAIL_OPEN_UNBOUNDED("fail-open-unbounded"),
    /** Deny with 503 and a short Retry-After. */
    FAIL_CLOSED("fail-closed"),
    /**
     * Decide with an in-memory bucket in this instance whose capacity and rate are divided by the expected instance
     * count, so all instances together stay near the real limit. The scaled bucket starts full and keeps its levels
     * from one outage to the next; with one expected instance it is the rule's own limit and starts from the store's
     * last levels, like {@link #FAIL_OPEN}.
     */
    LOCAL("local");

    private final String label;

    FailurePolicy(String label) {
        this.label = label;
    }

    /**
     * The name as written in configuration: {@code fail-open}, {@code fail-open-unbounded}, {@code fail-closed} or
     * {@code local}.
     */
    public String label() {
        return label;
    }

    /**
     * Parses a label or an enum name, ignoring case.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static FailurePolicy parse(String text) {
        for (FailurePolicy p : values()) {
            if (p.label.equalsIgnoreCase(text) || p.name().equalsIgnoreCase(text)) {
                return p;
            }
        }
        String accepted = Arrays.stream(values()).map(p -> '"' + p.label + '"').collect(Collectors.joining(", "));
        throw new IllegalArgumentException("expected one of " + accepted + " but got \"" + text + "\"");
    }
}
