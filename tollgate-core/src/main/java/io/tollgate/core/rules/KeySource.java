package io.tollgate.core.rules;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Where a rule takes the client key from: the client IP (the default), a request header such as {@code X-API-Key},
 * one key for everybody ({@code global}), or a combination of these, in order.
 *
 * <p>Written in the rules file as {@code "ip"}, {@code "header:X-API-Key"}, {@code "global"}, or a list such as
 * {@code ["ip", "header:X-API-Key"]}. A header that is missing from a request falls back to the client IP.
 */
public final class KeySource {

    /** One component of a key. */
    public enum Kind { IP, HEADER, GLOBAL }

    /** One component: a kind and, for {@link Kind#HEADER}, the header name. */
    public record Part(Kind kind, String header) {
        @Override
        public String toString() {
            return switch (kind) {
                case IP -> "ip";
                case GLOBAL -> "global";
                case HEADER -> "header:" + header;
            };
        }
    }

    /** Key by client IP. */
    public static final KeySource IP = new KeySource(List.of(new Part(Kind.IP, null)));

    /** One key shared by every client. */
    public static final KeySource GLOBAL = new KeySource(List.of(new Part(Kind.GLOBAL, null)));

    private final List<Part> parts;

    private KeySource(List<Part> parts) {
        this.parts = List.copyOf(parts);
    }

    public static KeySource of(List<Part> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("a key needs at least one part");
        }
        return new KeySource(parts);
    }

    /**
     * Parses one part: {@code ip}, {@code global} or {@code header:<Name>}.
     *
     * @throws IllegalArgumentException with a message naming the accepted forms
     */
    public static Part parsePart(String text) {
        String t = text.trim();
        String lower = t.toLowerCase(Locale.ROOT);
        if (lower.equals("ip")) {
            return new Part(Kind.IP, null);
        }
        if (lower.equals("global")) {
            return new Part(Kind.GLOBAL, null);
        }
        if (lower.startsWith("header:")) {
            String name = t.substring("header:".length()).trim();
            if (!HttpToken.isToken(name)) {
                throw new IllegalArgumentException("header name in \"" + text + "\" must be a valid HTTP header name");
            }
            return new Part(Kind.HEADER, name);
        }
        throw new IllegalArgumentException("expected \"ip\", \"global\" or \"header:<Header-Name>\" but got \"" + text + "\"");
    }

    public List<Part> parts() {
        return parts;
    }

    /** True when every client shares one bucket. */
    public boolean isGlobal() {
        return parts.stream().allMatch(p -> p.kind() == Kind.GLOBAL);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeySource other && parts.equals(other.parts);
    }

    @Override
    public int hashCode() {
        return parts.hashCode();
    }

    @Override
    public String toString() {
        return parts.size() == 1 ? parts.get(0).toString()
                : parts.stream().map(Part::toString).collect(Collectors.joining(",", "[", "]"));
    }
}
