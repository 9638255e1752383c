package io.tollgate.testsupport.load;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The outcome of one request sent by {@link LoadClient}, or of one failed connection set-up. One line of the samples
 * file:
 *
 * <pre>conn identity target startNanos endNanos status degraded retryAfter[ # error]</pre>
 *
 * <p>Times are {@code System.nanoTime()} of the client JVM, which on Linux is {@code CLOCK_MONOTONIC} and so comparable
 * with {@code System.nanoTime()} of other processes on the same machine (an assumption that holds for HotSpot on
 * Linux, not a Java guarantee). For a request, {@code startNanos} is when its first byte was written and
 * {@code endNanos} when the last byte of its response was read, or when it failed. For a connection set-up failure,
 * they span the connect attempt.
 *
 * @param conn the connection slot, 0-based and stable across phases and reconnects
 * @param identity the client identity, {@code conn % identities}, sent as {@code X-Forwarded-For}
 * @param target the index of the target URL, {@code (conn / identities) % targets}
 * @param startNanos see above
 * @param endNanos see above
 * @param status the HTTP status code, {@link #LOST} or {@link #CONNECTION_ERROR}
 * @param degraded the {@code X-RateLimit-Degraded} response header, {@code null} when absent
 * @param retryAfter the {@code Retry-After} response header, {@code null} when absent
 * @param error why the request failed; {@code null} when it got a response
 */
public record Sample(int conn, int identity, int target, long startNanos, long endNanos, int status, String degraded,
        String retryAfter, String error) {

    /** Status of a request without a complete response within {@code --timeout}. */
    public static final int LOST = -1;

    /**
     * Status of a request whose connection was refused, reset or closed before its response was complete, whose
     * response was malformed, and of a connection set-up failure (no request was sent on it; its error starts with
     * {@code connect:}).
     */
    public static final int CONNECTION_ERROR = -2;

    /** The first line of every samples file. */
    static final String HEADER = "# conn identity target startNanos endNanos status degraded retryAfter [# error]"
            + " | status -1 = lost (no complete response within --timeout), -2 = connection error"
            + " | '-' = header absent, other values percent-encoded | nanos = System.nanoTime() (CLOCK_MONOTONIC)";

    /** {@code endNanos - startNanos} in milliseconds. */
    public double latencyMillis() {
        return (endNanos - startNanos) / 1e6;
    }

    /** Whether this is {@link #LOST} or a {@link #CONNECTION_ERROR}. */
    public boolean failed() {
        return status < 0;
    }

    /**
     * Parses one line of the samples file.
     *
     * @throws IllegalArgumentException when the line is not a sample
     */
    static Sample parse(String line) {
        int hash = line.indexOf(" # ");
        String fields = hash < 0 ? line : line.substring(0, hash);
        String[] f = fields.split(" ");
        if (f.length != 8) {
            throw new IllegalArgumentException("not a sample line: '" + line + "'");
        }
        try {
            return new Sample(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                    Long.parseLong(f[3]), Long.parseLong(f[4]), Integer.parseInt(f[5]), decodeValue(f[6]),
                    decodeValue(f[7]), hash < 0 ? null : line.substring(hash + 3));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a sample line: '" + line + "'", e);
        }
    }

    /**
     * A header value as one field: {@code -} for absent, {@code ""} for empty; bytes outside printable ASCII,
     * {@code % # "}, and {@code -} when it is the whole value, as {@code %XX}. Values are Latin-1, as they came off
     * the wire.
     */
    static String encodeValue(String value) {
        if (value == null) {
            return "-";
        }
        if (value.isEmpty()) {
            return "\"\"";
        }
        if (value.equals("-")) {
            return "%2D";
        }
        StringBuilder s = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (ch > 0x20 && ch < 0x7f && ch != '%' && ch != '#' && ch != '"') {
                s.append(ch);
            } else {
                s.append('%').append(Character.forDigit((ch >> 4) & 15, 16)).append(Character.forDigit(ch & 15, 16));
            }
        }
        return s.toString();
    }

    /** The inverse of {@link #encodeValue}. */
    static String decodeValue(String field) {
        if (field.equals("-")) {
            return null;
        }
        if (field.equals("\"\"")) {
            return "";
        }
        if (field.indexOf('%') < 0) {
            return field;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(field.length());
        for (int i = 0; i < field.length(); i++) {
            char ch = field.charAt(i);
            if (ch == '%' && i + 2 < field.length()) {
                bytes.write(Integer.parseInt(field, i + 1, i + 3, 16));
                i += 2;
            } else {
                bytes.write(ch);
            }
        }
        return bytes.toString(StandardCharsets.ISO_8859_1);
    }
}
