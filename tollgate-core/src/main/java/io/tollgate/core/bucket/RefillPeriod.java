package io.tollgate.core.bucket;

import java.util.Locale;

/**
 * The period over which a limit's {@code refill_rate} tokens are added.
 *
 * <p>{@link #WEEK}, {@link #MONTH} and {@link #YEAR} are 7, 30 and 365 days, as the envoyproxy/ratelimit configuration
 * format counts them: a rate such as 100 per week is not a finite decimal per day, so it needs its own period to stay
 * exact. The rules file, the properties and that format accept the same seven periods.
 */
public enum RefillPeriod {
    SECOND(1_000_000L),
    MINUTE(60_000_000L),
    HOUR(3_600_000_000L),
    DAY(86_400_000_000L),
    WEEK(7 * 86_400_000_000L),
    MONTH(30 * 86_400_000_000L),
    YEAR(365 * 86_400_000_000L);

    private final long micros;

    RefillPeriod(long micros) {
        this.micros = micros;
    }

    /** Length of the period in microseconds. */
    public long micros() {
        return micros;
    }

    /** Lower-case name as written in the rules file ({@code "second"}, {@code "minute"}, ...). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code second|minute|hour|day|week|month|year} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static RefillPeriod parse(String text) {
        for (RefillPeriod p : values()) {
            if (p.label().equalsIgnoreCase(text)) {
                return p;
            }
        }
        throw new IllegalArgumentException("expected one of \"second\", \"minute\", \"hour\", \"day\", \"week\","
                + " \"month\", \"year\" but got \"" + text + "\"");
    }
}
