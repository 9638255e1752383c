package io.tollgate.core.bucket;

import java.util.Locale;

/**
 * The period over which a limit's {@code refill_rate} tokens are added.
 *
 * <p>{@link #WEEK}, {@link #MONTH} and {@link #YEAR} are 7, 30 and 365 days, as the envoyproxy/ratelimit configuration
 * format counts them. They exist for that format (module {@code tollgate-envoy}): a rate such as 100 per week is not a
 * finite decimal per day, so it needs its own period to stay exact. The rules file keeps its four periods:
 * {@link #parse} accepts only those.
 */
public enum RefillPeriod {
    SECOND(1_000_000L, true),
    MINUTE(60_000_000L, true),
    HOUR(3_600_000_000L, true),
    DAY(86_400_000_000L, true),
    WEEK(7 * 86_400_000_000L, false),
    MONTH(30 * 86_400_000_000L, false),
    YEAR(365 * 86_400_000_000L, false);

    private final long micros;
    private final boolean inRulesFile;

    RefillPeriod(long micros, boolean inRulesFile) {
        this.micros = micros;
        this.inRulesFile = inRulesFile;
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
     * Parses {@code second|minute|hour|day} (case-insensitive), the periods of the rules file.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static RefillPeriod parse(String text) {
        for (RefillPeriod p : values()) {
            if (p.inRulesFile && p.label().equalsIgnoreCase(text)) {
                return p;
            }
        }
        throw new IllegalArgumentException("expected one of \"second\", \"minute\", \"hour\", \"day\" but got \"" + text + "\"");
    }
}
