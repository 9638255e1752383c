package io.tollgate.core.rules;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Which requests take tokens from a rule's bucket: every request, before it is served (the default), or only those
 * whose response has a given status, after the response (a rule's {@code count}: {@code "failures"} or
 * {@code {"status": [401, 403]}}), which suits brute-force protection on a login endpoint.
 *
 * <p>A rule that counts after the response is decided in two steps. Before the request, a check that takes nothing
 * lets the request through only when the bucket holds the rule's cost (else 429, with the usual headers). After the
 * response, the cost is taken only when the status counts. Requests in flight at the same time all pass the check
 * against the same tokens, so a limit can be exceeded by at most the number of such requests in flight at once.
 */
public final class CountedResponses {

    /** Lowest and highest status codes a {@code status} list accepts. */
    public static final int MIN_STATUS = 100;
    public static final int MAX_STATUS = 599;

    /** Every request takes tokens, before it is served. */
    public static final CountedResponses ALL = new CountedResponses("all", List.of());

    /** Only responses with a 4xx or 5xx status take tokens, after the response. */
    public static final CountedResponses FAILURES = new CountedResponses("failures", List.of());

    private final String label;
    private final List<Integer> statuses;

    private CountedResponses(String label, List<Integer> statuses) {
        this.label = label;
        this.statuses = statuses;
    }

    /**
     * Only responses with one of these statuses take tokens, after the response.
     *
     * @throws IllegalArgumentException when the list is empty or a status is outside 100..599
     */
    public static CountedResponses statuses(Collection<Integer> statuses) {
        if (statuses.isEmpty()) {
            throw new IllegalArgumentException("at least one status code is needed");
        }
        for (Integer s : statuses) {
            if (s == null || s < MIN_STATUS || s > MAX_STATUS) {
                throw new IllegalArgumentException("status codes must be from 100 to 599, got " + s);
            }
        }
        List<Integer> sorted = List.copyOf(new TreeSet<>(statuses));
        return new CountedResponses("status=" + sorted, sorted);
    }

    /** True when tokens are taken after the response, and only for the statuses this counts. */
    public boolean afterResponse() {
        return this != ALL;
    }

    /** True when a response with this status takes tokens (always true for {@link #ALL}). */
    public boolean counts(int status) {
        if (this == ALL) {
            return true;
        }
        if (this == FAILURES) {
            return status >= 400 && status <= MAX_STATUS;
        }
        return statuses.contains(status);
    }

    /** The statuses of a {@code status} list, ascending; empty for {@link #ALL} and {@link #FAILURES}. */
    public List<Integer> statuses() {
        return statuses;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CountedResponses other && label.equals(other.label);
    }

    @Override
    public int hashCode() {
        return Objects.hash(label);
    }

    /** {@code all}, {@code failures} or {@code status=[401, 403]}. */
    @Override
    public String toString() {
        return label;
    }
}
