package io.tollgate.core.identity;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Parses IPv4 and IPv6 address literals into {@link InetAddress} without ever consulting DNS: the text is validated
 * and converted to bytes here, and only {@link InetAddress#getByAddress(byte[])} is called.
 *
 * <p>Accepted: dotted-quad IPv4 ({@code 10.0.0.1}, decimal octets only) and RFC 4291 IPv6 text forms, including
 * {@code ::} compression and an embedded IPv4 tail ({@code ::ffff:10.0.0.1}). Zone ids ({@code fe80::1%eth0}),
 * brackets and ports are not part of a literal; callers strip brackets and ports first. An IPv4-mapped IPv6 literal
 * comes back as an {@link java.net.Inet4Address}, so dual-stack sockets key clients the same way.
 */
public final class IpLiteral {

    /** Longest text an IPv6 literal can have (with an IPv4 tail): 45 characters. */
    private static final int MAX_LENGTH = 45;

    private IpLiteral() {
    }

    /** The address, or {@code null} when {@code text} is not a valid IP literal. Never throws, never resolves names. */
    public static InetAddress parseOrNull(String text) {
        if (text == null || text.isEmpty() || text.length() > MAX_LENGTH) {
            return null;
        }
        byte[] bytes = text.indexOf(':') >= 0 ? ipv6(text) : ipv4(text, 0, text.length());
        if (bytes == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException impossible) {
            return null; // only thrown for a wrong array length, which the parsers never produce
        }
    }

    /**
     * @throws IllegalArgumentException naming {@code text} when it is not a valid IP literal
     */
    public static InetAddress parse(String text) {
        InetAddress a = parseOrNull(text);
        if (a == null) {
            throw new IllegalArgumentException("\"" + text + "\" is not a valid IPv4 or IPv6 address");
        }
        return a;
    }

    private static byte[] ipv4(String s, int from, int to) {
        byte[] out = new byte[4];
        int part = 0;
        int i = from;
        while (part < 4) {
            int start = i;
            int value = 0;
            while (i < to && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                value = value * 10 + (s.charAt(i) - '0');
                i++;
                if (i - start > 3) {
                    return null;
                }
            }
            // no empty octets, no leading zeros (they read as octal in some parsers, so they are ambiguous)
            if (i == start || value > 255 || (i - start > 1 && s.charAt(start) == '0')) {
                return null;
            }
            out[part++] = (byte) value;
            if (part < 4) {
                if (i >= to || s.charAt(i) != '.') {
                    return null;
                }
                i++;
            }
        }
        return i == to ? out : null;
    }

    private static byte[] ipv6(String s) {
        byte[] out = new byte[16];
        int n = s.length();
        int pos = 0;       // next byte to fill
        int gap = -1;      // byte index where "::" stands
        int i = 0;
        if (s.startsWith("::")) {
            gap = 0;
            i = 2;
            if (n == 2) {
                return out;
            }
        } else if (s.charAt(0) == ':') {
            return null;
        }
        while (i < n) {
            if (pos >= 16) {
                return null;
            }
            int start = i;
            int value = 0;
            while (i < n && Character.digit(s.charAt(i), 16) >= 0) {
                value = (value << 4) | Character.digit(s.charAt(i), 16);
                i++;
                if (i - start > 4) {
                    return null;
                }
            }
            if (i < n && s.charAt(i) == '.') {
                // embedded IPv4 tail: must be the last 4 bytes
                if (pos > 12) {
                    return null;
                }
                byte[] v4 = ipv4(s, start, n);
                if (v4 == null) {
                    return null;
                }
                System.arraycopy(v4, 0, out, pos, 4);
                pos += 4;
                i = n;
                break;
            }
            if (i == start) {
                return null;
            }
            out[pos++] = (byte) (value >> 8);
            out[pos++] = (byte) value;
            if (i == n) {
                break;
            }
            if (s.charAt(i) != ':') {
                return null;
            }
            i++;
            if (i < n && s.charAt(i) == ':') {
                if (gap >= 0) {
                    return null; // a second "::"
                }
                gap = pos;
                i++;
                if (i == n) {
                    break;
                }
            } else if (i == n) {
                return null; // trailing single ':'
            }
        }
        if (gap >= 0) {
            if (pos == 16) {
                return null; // "::" must stand for at least one group
            }
            int tail = pos - gap;
            System.arraycopy(out, gap, out, 16 - tail, tail);
            java.util.Arrays.fill(out, gap, 16 - tail, (byte) 0);
        } else if (pos != 16) {
            return null;
        }
        return out;
    }
}
