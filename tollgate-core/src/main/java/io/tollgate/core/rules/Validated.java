package io.tollgate.core.rules;

import java.util.List;
import java.util.function.Function;

/**
 * The outcome of checking a draft: either a value or the problems that prevented it, never both.
 *
 * @param <T> what a valid draft produces
 */
public final class Validated<T> {

    private final T value;
    private final List<RuleProblem> problems;

    private Validated(T value, List<RuleProblem> problems) {
        this.value = value;
        this.problems = List.copyOf(problems);
    }

    static <T> Validated<T> valid(T value) {
        return new Validated<>(value, List.of());
    }

    static <T> Validated<T> invalid(List<RuleProblem> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("an invalid result needs at least one problem");
        }
        return new Validated<>(null, problems);
    }

    public boolean isValid() {
        return problems.isEmpty();
    }

    /** Every problem found, in field order; empty when valid. */
    public List<RuleProblem> problems() {
        return problems;
    }

    /**
     * The value.
     *
     * @throws IllegalStateException if there were problems
     */
    public T value() {
        if (!isValid()) {
            throw new IllegalStateException("invalid: " + problems);
        }
        return value;
    }

    /**
     * The value, or throws what {@code toException} makes of the first problem. Sources report one problem at a
     * time, the first in field order, so a user fixes them top to bottom.
     */
    public <X extends RuntimeException> T orElseThrow(Function<? super RuleProblem, X> toException) {
        if (!isValid()) {
            throw toException.apply(problems.get(0));
        }
        return value;
    }
}
