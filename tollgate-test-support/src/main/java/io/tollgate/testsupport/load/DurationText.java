package io.tollgate.testsupport.load;

/** Durations as written on the command line: a whole number and a unit, {@code 500ms}, {@code 15s} or {@code 2m}. */
final class DurationText {

    private DurationText() {
    }

    /**
     * Parses a positive duration; the unit is required so that {@code 10} cannot mean seconds to one reader and
     * milliseconds to another.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    static long parseNanos(String text) {
        int digits = 0;
        while (digits < text.length() && Character.isDigit(text.charAt(digits))) {
            digits++;
        }
        String unit = text.substring(digits);
        long scale = switch (unit) {
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            default -> 0;
        };
        if (digits == 0 || digits > 9 || scale == 0) {
            throw new IllegalArgumentException("expected a duration like 500ms, 15s or 2m, got '" + text + "'");
        }
        long value = Long.parseLong(text.substring(0, digits));
        if (value == 0) {
            throw new IllegalArgumentException("duration must be positive, got '" + text + "'");
        }
        try {
            return Math.multiplyExact(value, scale);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("duration too long: '" + text + "'");
        }
    }
}
