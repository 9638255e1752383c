package io.tollgate.core.rules;

import java.util.List;
import java.util.Objects;

/**
 * One reason a rule (or a rule set) is invalid, independent of where the rule came from.
 *
 * <p>The {@link #path()} names the field in rules-file spelling, one segment per step: a field name such as
 * {@code limits}, {@code capacity} or {@code failure_policy}, or an index such as {@code [1]}. Paths and methods sit
 * under {@code match}, as in the file: {@code [match, paths, [0]]}. An empty path means the rule as a whole (its name),
 * or the rule set when {@link #rule()} is {@code null}. Each source renders the path in its own spelling; the
 * {@link #message()} is the same text for every source.
 *
 * @param rule    the rule's name as given, or {@code null} for a problem with the rule set itself
 * @param path    field path relative to the rule (or the rule set)
 * @param value   the offending value as text, or {@code null} when the value is missing
 * @param message what is wrong and what was expected
 */
public record RuleProblem(String rule, List<String> path, String value, String message) {

    public RuleProblem {
        path = List.copyOf(path);
        Objects.requireNonNull(message, "message");
    }

    /** The path joined as in the rules file, such as {@code limits[1].capacity}, or {@code null} when it is empty. */
    public String field() {
        return path.isEmpty() ? null : join(path);
    }

    /** Joins segments with dots, except that an index such as {@code [1]} attaches to the segment before it. */
    public static String join(List<String> segments) {
        StringBuilder sb = new StringBuilder();
        for (String s : segments) {
            if (!s.startsWith("[") && sb.length() > 0) {
                sb.append('.');
            }
            sb.append(s);
        }
        return sb.toString();
    }
}
