package io.tollgate.server.config;

/**
 * The server's own configuration (a {@code .env} file or the environment variables it mirrors) cannot be used.
 *
 * <p>The message is one self-contained paragraph naming where the value came from (the file and line, or the
 * environment), the variable, the offending value (masked for secrets) and what was expected, so it can be printed to
 * an operator as-is, without a stack trace.
 */
public class ServerConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String variable;

    /**
     * @param variable the variable concerned, or {@code null} for a problem with the file as a whole (a bad line)
     * @param message  the complete operator-facing explanation
     */
    public ServerConfigException(String variable, String message) {
        super(message);
        this.variable = variable;
    }

    /** The variable concerned, such as {@code PORT}, or {@code null} for a syntax error in the file. */
    public String variable() {
        return variable;
    }
}
