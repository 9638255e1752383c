package io.tollgate.spring;

/**
 * A {@code tollgate.*} setting cannot be used. Stops startup; {@link TollgateConfigurationFailureAnalyzer} turns it
 * into a short "APPLICATION FAILED TO START" report naming the property, the value and the fix.
 */
public class TollgateConfigurationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String property;
    private final String value;
    private final String problem;

    /**
     * @param property the full property name, such as {@code tollgate.trusted-proxies[0]}
     * @param value    the offending value as shown to the user (passwords already redacted)
     * @param problem  what is wrong with it
     */
    public TollgateConfigurationException(String property, String value, String problem, Throwable cause) {
        super("Invalid value \"" + value + "\" for " + property + ": " + problem, cause);
        this.property = property;
        this.value = value;
        this.problem = problem;
    }

    public TollgateConfigurationException(String property, String value, String problem) {
        this(property, value, problem, null);
    }

    public String property() {
        return property;
    }

    public String value() {
        return value;
    }

    public String problem() {
        return problem;
    }
}
