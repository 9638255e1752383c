package io.tollgate.core.identity;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.Objects;

/**
 * An IPv4 or IPv6 address range in CIDR notation, such as {@code 10.0.0.0/8} or {@code 2001:db8::/32}. A bare address
 * is a single-address range ({@code /32} or {@code /128}). Host bits set in the text are ignored
 * ({@code 10.1.2.3/8} is {@code 10.0.0.0/8}). Parsing never uses DNS.
 */
public final class CidrRange {

    private final byte[] network;
    private final int prefix;

    private CidrRange(byte[] network, int prefix) {
        this.network = network;
        this.prefix = prefix;
    }

    /**
     * Parses {@code "10.0.0.0/8"}, {@code "::1/128"}, {@code "192.168.1.7"} and the like.
     *
     * @throws IllegalArgumentException naming the value when it is not a valid range
     */
    public static CidrRange parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("a CIDR range must not be null");
        }
        String t = text.trim();
        int slash = t.indexOf('/');
        String addressText = slash < 0 ? t : t.substring(0, slash);
        InetAddress address = IpLiteral.parseOrNull(addressText);
        if (address == null) {
            throw new IllegalArgumentException("\"" + text + "\" is not a valid CIDR range: \"" + addressText
                    + "\" is not an IPv4 or IPv6 address");
        }
        byte[] bytes = address.getAddress();
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            String p = t.substring(slash + 1);
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("\"" + text + "\" is not a valid CIDR range: prefix length \"" + p
                        + "\" is not a number");
            }
            prefix = Integer.parseInt(p);
            if (prefix > max) {
                throw new IllegalArgumentException("\"" + text + "\" is not a valid CIDR range: prefix length " + prefix
                        + " exceeds " + max);
            }
        }
        return new CidrRange(mask(bytes, prefix), prefix);
    }

    /** {@code bytes} with every bit after the first {@code prefix} bits cleared (a copy). */
    static byte[] mask(byte[] bytes, int prefix) {
        byte[] out = bytes.clone();
        for (int i = 0; i < out.length; i++) {
            int bitsHere = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] = (byte) (out[i] & (0xFF << (8 - bitsHere)));
        }
        return out;
    }

    /** True when {@code address} is of the same family and inside this range. */
    public boolean contains(InetAddress address) {
        if (address == null) {
            return false;
        }
        byte[] a = address.getAddress();
        if (a.length != network.length) {
            return false;
        }
        return Arrays.equals(mask(a, prefix), network);
    }

    public int prefixLength() {
        return prefix;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CidrRange other && prefix == other.prefix && Arrays.equals(network, other.network);
    }

    @Override
    public int hashCode() {
        return Objects.hash(prefix, Arrays.hashCode(network));
    }

    @Override
    public String toString() {
        return AddressText.format(network) + "/" + prefix;
    }
}
