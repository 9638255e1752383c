package io.tollgate.core.rules;

/**
 * A rules file could not be used. The message names the file, the rule and the field, and says what was expected,
 * for example: {@code rate_limits.json: rule "api", field "capacity": expected a whole number greater than 0 but got -5}.
 */
public class RulesFileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final String rule;
    private final String field;
    private final String problem;

    public RulesFileException(String file, String rule, String field, String problem, Throwable cause) {
        super(format(file, rule, field, problem), cause);
        this.file = file;
        this.rule = rule;
        this.field = field;
        this.problem = problem;
    }

    public RulesFileException(String file, String rule, String field, String problem) {
        this(file, rule, field, problem, null);
    }

    /**
     * For another configuration format with its own message layout (such as the envoyproxy/ratelimit YAML files): the
     * parts keep their meaning, {@code message} is the whole text.
     */
    protected RulesFileException(String message, String file, String rule, String field, String problem,
                                 Throwable cause) {
        super(message, cause);
        this.file = file;
        this.rule = rule;
        this.field = field;
        this.problem = problem;
    }

    private static String format(String file, String rule, String field, String problem) {
        StringBuilder sb = new StringBuilder(file == null ? "<rules>" : file).append(": ");
        if (rule != null) {
            sb.append("rule \"").append(rule).append("\"");
            if (field != null) {
                sb.append(", field \"").append(field).append("\"");
            }
            sb.append(": ");
        } else if (field != null) {
            sb.append("field \"").append(field).append("\": ");
        }
        return sb.append(problem).toString();
    }

    /** The file name or path as given to the parser. */
    public String file() {
        return file;
    }

    /** The rule concerned, or {@code null} for a file-level problem. */
    public String rule() {
        return rule;
    }

    /**
     * What is wrong, without the file, rule and field. For a problem with what a rule means (not with the JSON) this
     * is the {@link RuleProblem#message()} that any other source reports for the same rule.
     */
    public String problem() {
        return problem;
    }

    /** The field concerned, as a JSON path such as {@code limits[1].capacity}, or {@code null}. */
    public String field() {
        return field;
    }
}
