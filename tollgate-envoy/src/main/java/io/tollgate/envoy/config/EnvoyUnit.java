package io.tollgate.envoy.config;

import io.tollgate.core.bucket.RefillPeriod;
import java.util.Locale;
import java.util.Optional;

/**
 * The {@code unit} of an envoyproxy/ratelimit {@code rate_limit}, with the length it has there: week, month and year are
 * 7, 30 and 365 days. Each maps onto the core's {@link RefillPeriod} of the same length.
 */
public enum EnvoyUnit {
    SECOND(RefillPeriod.SECOND),
    MINUTE(RefillPeriod.MINUTE),
    HOUR(RefillPeriod.HOUR),
    DAY(RefillPeriod.DAY),
    WEEK(RefillPeriod.WEEK),
    MONTH(RefillPeriod.MONTH),
    YEAR(RefillPeriod.YEAR);

    /** The accepted spellings, for messages. */
    public static final String ACCEPTED = "second, minute, hour, day, week, month or year (any case)";

    private final RefillPeriod period;

    EnvoyUnit(RefillPeriod period) {
        this.period = period;
    }

    /** The token bucket's refill period: {@code requests_per_unit} tokens are added per this period. */
    public RefillPeriod period() {
        return period;
    }

    /** Length in whole seconds. */
    public long seconds() {
        return period.micros() / 1_000_000L;
    }

    /**
     * The unit named by {@code text}, compared case-insensitively as Go upper-cases it before looking up the protobuf
     * enum ({@code UNKNOWN}, the enum's zero value, is no unit there either).
     */
    public static Optional<EnvoyUnit> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String upper = text.toUpperCase(Locale.ROOT);
        for (EnvoyUnit u : values()) {
            if (u.name().equals(upper)) {
                return Optional.of(u);
            }
        }
        return Optional.empty();
    }
}
