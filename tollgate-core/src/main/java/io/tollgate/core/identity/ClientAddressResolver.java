package io.tollgate.core.identity;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Works out the client's address from the TCP peer and, when that peer is a trusted proxy, the forwarding headers.
 *
 * <p>Contract:
 * <ul>
 *   <li>With no trusted proxies, or a peer outside them, the peer is the client; headers are ignored (anybody can
 *       send them, so believing them would let a client pick its own bucket).</li>
 *   <li>Otherwise the hop list is read right to left, starting at the peer. Each proxy appends the address it saw,
 *       so the right-most address that is not itself a trusted proxy is the client.</li>
 *   <li>An entry that is not an IP literal ({@code unknown}, an obfuscated {@code _name}, a host name, garbage) ends
 *       the walk: the last trusted hop is returned, since nothing to its left can be checked.</li>
 *   <li>If every hop is trusted, the left-most one is the client.</li>
 *   <li>{@code Forwarded} (RFC 7239) is used when it carries a {@code for=} element; otherwise {@code X-Forwarded-For}.
 *       The two are never mixed.</li>
 *   <li>Work is bounded: only the last {@value #MAX_HEADER_CHARS} characters of a header and at most
 *       {@value #MAX_HOPS} hops are read. No DNS lookups; never throws for header content.</li>
 * </ul>
 */
public final class ClientAddressResolver {

    /** Most hops examined. */
    public static final int MAX_HOPS = 32;

    /** Most header characters examined (the right-most ones, since the walk starts from the right). */
    public static final int MAX_HEADER_CHARS = 4096;

    private final TrustedProxies trusted;

    public ClientAddressResolver(TrustedProxies trusted) {
        this.trusted = Objects.requireNonNull(trusted, "trusted");
    }

    public TrustedProxies trustedProxies() {
        return trusted;
    }

    /**
     * @param peer           the TCP peer address; {@code null} only if the server does not know it
     * @param xForwardedFor  raw {@code X-Forwarded-For} value (several header lines joined by commas), or {@code null}
     * @param forwarded      raw {@code Forwarded} value (several header lines joined by commas), or {@code null}
     * @return the client address; the peer unless a trusted proxy reported another
     */
    public InetAddress resolve(InetAddress peer, String xForwardedFor, String forwarded) {
        if (peer == null || trusted.isEmpty() || !trusted.contains(peer)) {
            return peer;
        }
        List<String> hops = null;
        if (forwarded != null && !forwarded.isBlank()) {
            hops = forwardedFor(tail(forwarded));
        }
        if ((hops == null || hops.isEmpty()) && xForwardedFor != null && !xForwardedFor.isBlank()) {
            hops = splitRightmost(tail(xForwardedFor));
        }
        if (hops == null) {
            return peer;
        }
        InetAddress current = peer;
        // hops are in right-to-left order already
        for (String hop : hops) {
            InetAddress a = IpLiteral.parseOrNull(stripPort(hop));
            if (a == null) {
                return current;
            }
            if (!trusted.contains(a)) {
                return a;
            }
            current = a;
        }
        return current;
    }

    private static String tail(String header) {
        return header.length() <= MAX_HEADER_CHARS ? header : header.substring(header.length() - MAX_HEADER_CHARS);
    }

    /** Comma-separated entries, right-most first, at most {@link #MAX_HOPS}. An empty entry stops the walk later. */
    private static List<String> splitRightmost(String value) {
        String[] parts = value.split(",", -1);
        List<String> out = new ArrayList<>(Math.min(parts.length, MAX_HOPS));
        for (int i = parts.length - 1; i >= 0 && out.size() < MAX_HOPS; i--) {
            out.add(parts[i].trim());
        }
        return out;
    }

    /**
     * The {@code for=} node of each Forwarded element, right-most first. An element without {@code for} is kept as
     * an empty (unreadable) hop. Quoted strings may hold commas and semicolons.
     */
    static List<String> forwardedFor(String value) {
        List<String> elements = new ArrayList<>();
        String current = null;
        StringBuilder token = new StringBuilder();
        String name = null;
        boolean inQuotes = false;
        boolean sawFor = false;
        int n = value.length();
        for (int i = 0; i <= n; i++) {
            char c = i < n ? value.charAt(i) : ',';
            if (inQuotes) {
                if (c == '\\' && i + 1 < n) {
                    token.append(value.charAt(++i));
                } else if (c == '"') {
                    inQuotes = false;
                } else if (i == n) {
                    return List.of(); // unterminated quote: the header is malformed, ignore it entirely
                } else {
                    token.append(c);
                }
                continue;
            }
            switch (c) {
                case '"' -> inQuotes = true;
                case '=' -> {
                    if (name == null) {
                        name = token.toString().trim().toLowerCase(Locale.ROOT);
                        token.setLength(0);
                    } else {
                        token.append(c);
                    }
                }
                case ';', ',' -> {
                    if ("for".equals(name)) {
                        current = token.toString().trim();
                        sawFor = true;
                    }
                    name = null;
                    token.setLength(0);
                    if (c == ',') {
                        elements.add(sawFor ? current : "");
                        current = null;
                        sawFor = false;
                    }
                }
                default -> token.append(c);
            }
        }
        // drop elements that were nothing but whitespace between commas at the very ends
        List<String> reversed = new ArrayList<>(Math.min(elements.size(), MAX_HOPS));
        for (int i = elements.size() - 1; i >= 0 && reversed.size() < MAX_HOPS; i--) {
            reversed.add(elements.get(i));
        }
        boolean anyFor = reversed.stream().anyMatch(s -> !s.isEmpty());
        return anyFor ? reversed : List.of();
    }

    /**
     * Strips brackets and a port: {@code [2001:db8::1]:4711} -> {@code 2001:db8::1}, {@code 10.0.0.1:8080} ->
     * {@code 10.0.0.1}. A bare IPv6 address (several colons, no brackets) is returned as is.
     */
    static String stripPort(String node) {
        String s = node.trim();
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                return "";
            }
            String rest = s.substring(close + 1);
            if (!rest.isEmpty() && !validPort(rest)) {
                return "";
            }
            return s.substring(1, close);
        }
        int colon = s.indexOf(':');
        if (colon >= 0 && colon == s.lastIndexOf(':')) {
            return validPort(s.substring(colon)) ? s.substring(0, colon) : "";
        }
        return s;
    }

    private static boolean validPort(String colonAndPort) {
        // RFC 7239 allows obfuscated ports ("_abc") too; they carry no address information, so accept and drop them
        if (colonAndPort.length() < 2 || colonAndPort.charAt(0) != ':' || colonAndPort.length() > 33) {
            return false;
        }
        String p = colonAndPort.substring(1);
        if (p.charAt(0) == '_') {
            return p.chars().allMatch(ch -> Character.isLetterOrDigit(ch) || ch == '.' || ch == '_' || ch == '-');
        }
        return p.length() <= 5 && p.chars().allMatch(ch -> ch >= '0' && ch <= '9');
    }
}
