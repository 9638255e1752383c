package io.tollgate.redis;

/**
 * A Redis connection description, or a URL meant to give one, is invalid.
 *
 * <p>{@link #field()} names what is wrong: a {@link RedisConnectionSettings.Builder} field ({@code port},
 * {@code timeout}, {@code keyPrefix}, ...) or, for a URL, the part of it ({@code scheme}, {@code host}, {@code port},
 * {@code database}, {@code master id}, or a query option such as {@code timeout} or {@code prefix}).
 * {@link #reason()} says what is wrong with it and never contains a password or the URL itself, so a caller may quote
 * it next to its own (redacted) rendering of the value. The message is self-contained and redacted too.
 */
public final class RedisSettingsException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String field;
    private final String reason;

    RedisSettingsException(String field, String reason, String message) {
        super(message);
        this.field = field;
        this.reason = reason;
    }

    /** A builder field that is wrong: the message is {@code "<field> <reason>"}. */
    static RedisSettingsException field(String field, String reason) {
        return new RedisSettingsException(field, field + " " + reason, field + " " + reason);
    }

    /** The builder field or URL part that is wrong. */
    public String field() {
        return field;
    }

    /** What is wrong, naming the field or part, without the URL or any secret. */
    public String reason() {
        return reason;
    }
}
