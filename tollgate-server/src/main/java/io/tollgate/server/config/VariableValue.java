package io.tollgate.server.config;

import java.util.Locale;
import java.util.function.Function;

/**
 * One variable's effective value and where it came from, with the checks {@link ServerVariable} conversions share;
 * each failure is a {@link ServerConfigException} naming the variable, its origin, the value (hidden for secrets) and
 * what is accepted. A conversion may look at the other variables' values ({@link #other}) when their meaning depends
 * on each other, as {@code REDIS_URL}'s does on {@code REDIS_TYPE}.
 */
final class VariableValue {

    private final ServerVariable variable;
    private final String raw;
    private final String origin;
    private final Function<ServerVariable, VariableValue> others;

    /**
     * @param origin {@code from the environment} or {@code from /app/.env line 3}
     * @param others the effective value of another variable, or null when it is unset
     */
    VariableValue(ServerVariable variable, String raw, String origin, Function<ServerVariable, VariableValue> others) {
        this.variable = variable;
        this.raw = raw;
        this.origin = origin;
        this.others = others;
    }

    String raw() {
        return raw;
    }

    /** Another variable's effective value (from the same environment and file), or null when it is unset. */
    VariableValue other(ServerVariable other) {
        return others.apply(other);
    }

    /** The error for this value: it must be {@code expected}. */
    ServerConfigException invalid(String expected) {
        return new ServerConfigException(variable.name(), describe() + ", but it must be " + expected
                + ". Fix or remove it and start again.");
    }

    /** The error for a value envoyproxy/ratelimit accepts but Tollgate does not: {@code instead} says what it does. */
    ServerConfigException unsupported(String instead) {
        return new ServerConfigException(variable.name(), describe() + ", which Tollgate does not support: " + instead
                + ". Change or remove it and start again.");
    }

    /** The error for this value and {@code other}'s, each fine alone, that contradict each other as {@code problem} says. */
    ServerConfigException conflictsWith(VariableValue other, String problem) {
        return new ServerConfigException(variable.name(), describe() + " and " + other.describe()
                + ", which contradict each other: " + problem + ". Fix or remove one of them and start again.");
    }

    /** {@code NAME (origin) is "value"}, or {@code is (value hidden)} for a secret. */
    private String describe() {
        String shown = variable.secret() ? "(value hidden)" : "\"" + raw + "\"";
        return variable.name() + " (" + origin + ") is " + shown;
    }

    int intInRange(int min, int max, String expected) {
        try {
            long n = Long.parseLong(raw);
            if (n >= min && n <= max) {
                return (int) n;
            }
        } catch (NumberFormatException ignored) {
            // reported below, with the accepted range
        }
        throw invalid(expected);
    }

    boolean bool() {
        // t and f because envoyproxy/ratelimit reads its booleans with Go's strconv.ParseBool, which takes them
        return switch (raw.toLowerCase(Locale.ROOT)) {
            case "true", "t", "yes", "on", "1" -> true;
            case "false", "f", "no", "off", "0" -> false;
            default -> throw invalid("true or false");
        };
    }
}
