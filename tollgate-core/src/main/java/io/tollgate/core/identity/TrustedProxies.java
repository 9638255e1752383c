package io.tollgate.core.identity;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The reverse proxies whose forwarding headers are believed. Empty means none: forwarding headers are then ignored
 * and the TCP peer is the client.
 */
public final class TrustedProxies {

    /** Trusts no proxy. */
    public static final TrustedProxies NONE = new TrustedProxies(List.of());

    private final List<CidrRange> ranges;

    private TrustedProxies(List<CidrRange> ranges) {
        this.ranges = List.copyOf(ranges);
    }

    public static TrustedProxies of(List<CidrRange> ranges) {
        return ranges.isEmpty() ? NONE : new TrustedProxies(ranges);
    }

    /**
     * Parses CIDR texts.
     *
     * @throws IllegalArgumentException naming the first invalid value
     */
    public static TrustedProxies parse(List<String> cidrs) {
        List<CidrRange> out = new ArrayList<>();
        for (String c : cidrs) {
            out.add(CidrRange.parse(c));
        }
        return of(out);
    }

    /** True when {@code address} lies in one of the trusted ranges. */
    public boolean contains(InetAddress address) {
        for (CidrRange r : ranges) {
            if (r.contains(address)) {
                return true;
            }
        }
        return false;
    }

    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    public List<CidrRange> ranges() {
        return ranges;
    }

    @Override
    public String toString() {
        return ranges.toString();
    }
}
