package io.tollgate.server.config;

import java.util.Locale;

/**
 * One variable's effective value and where it came from, with the checks {@link ServerVariable} conversions share;
 * each failure is a {@link ServerConfigException} naming the variable, its origin, the value (hidden for secrets) and
 * what is accepted.
 */
final class VariableValue {

    private final ServerVariable variable;
    private final String raw;
    private final String origin;

    /** @param origin {@code from the environment} or {@code from /app/.env line 3} */
    VariableValue(ServerVariable variable, String raw, String origin) {
        this.variable = variable;
        this.raw = raw;
        this.origin = origin;
    }

    String raw() {
        return raw;
    }

    /** The error for this value: it must be {@code expected}. */
    ServerConfigException invalid(String expected) {
        String name = variable.name();
        String shown = variable.secret() ? "(value hidden)" : "\"" + raw + "\"";
        return new ServerConfigException(name, name + " (" + origin + ") is " + shown + ", but it must be "
                + expected + ". Fix or remove it and start again.");
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
        return switch (raw.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw invalid("true or false");
        };
    }
}
