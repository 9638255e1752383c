package io.tollgate.envoy.config;

import io.tollgate.core.rules.RulesFileException;
import java.util.List;

/**
 * A set of envoyproxy/ratelimit configuration files could not be loaded. A {@link RulesFileException}, so code that
 * handles a bad Tollgate rules file handles this too: {@link #file()}, {@link #rule()} (the descriptor path),
 * {@link #field()} and {@link #problem()} describe the first problem.
 *
 * <p>{@link #problems()} lists every problem found: at most one per file (a file is read up to its first mistake, as
 * envoyproxy/ratelimit does) plus the problems between files, such as a domain defined twice. The message renders the
 * first one and, when there are more, the others on their own lines.
 */
public class EnvoyConfigException extends RulesFileException {
    private static final long serialVersionUID = 1L;

    private final transient List<EnvoyConfigProblem> problems;

    public EnvoyConfigException(List<EnvoyConfigProblem> problems, Throwable cause) {
        super(message(problems), first(problems).file(), first(problems).descriptorPath(), first(problems).field(),
                first(problems).message(), cause);
        this.problems = List.copyOf(problems);
    }

    public EnvoyConfigException(EnvoyConfigProblem problem, Throwable cause) {
        this(List.of(problem), cause);
    }

    public EnvoyConfigException(EnvoyConfigProblem problem) {
        this(List.of(problem), null);
    }

    /** Every problem, the first one first; never empty. */
    public List<EnvoyConfigProblem> problems() {
        return problems;
    }

    /** The first problem's descriptor path, such as {@code descriptors[1].descriptors[0]}, or {@code null}. */
    public String descriptorPath() {
        return problems.get(0).descriptorPath();
    }

    /** The first problem's key chain, such as {@code test-domain.key1_value1}, or {@code null}. */
    public String keyChain() {
        return problems.get(0).keyChain();
    }

    /** The first problem's line, or 0 when unknown. */
    public int line() {
        return problems.get(0).line();
    }

    private static EnvoyConfigProblem first(List<EnvoyConfigProblem> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a rejected configuration needs at least one problem");
        }
        return problems.get(0);
    }

    private static String message(List<EnvoyConfigProblem> problems) {
        StringBuilder sb = new StringBuilder(first(problems).render());
        if (problems.size() > 1) {
            sb.append(" (and ").append(problems.size() - 1).append(" more:");
            for (EnvoyConfigProblem p : problems.subList(1, problems.size())) {
                sb.append("\n  ").append(p.render());
            }
            sb.append(')');
        }
        return sb.toString();
    }
}
