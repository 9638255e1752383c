package io.tollgate.core.rules;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Where a rule takes the client key from: the client IP (the default), a request header such as {@code X-API-Key},
 * the authenticated user ({@code principal}), a query parameter, a variable of the rule's path pattern, one key for
 * everybody ({@code global}), or a combination of these, in order.
 *
 * <p>Written in the rules file as {@code "ip"}, {@code "header:X-API-Key"}, {@code "principal"},
 * {@code "query:api_key"}, {@code "path:tenant"}, {@code "global"}, or a list such as
 * {@code ["principal", "ip"]}. A part whose value a request lacks (no such header, no principal or an anonymous one,
 * no such query parameter, or a blank value) falls back to the client IP, as a missing header always has. Values are
 * never used raw: {@link io.tollgate.core.identity.ClientKeys} hashes them into bounded keys.
 */
public final class KeySource {

    /** The forms of a part, as messages quote them. */
    static final String FORMS = "\"ip\", \"global\", \"principal\", \"header:<Header-Name>\", \"query:<name>\""
            + " or \"path:<variable>\"";

    /** Longest query parameter name a key may name. */
    static final int MAX_QUERY_NAME = 64;

    /** One component of a key. */
    public enum Kind { IP, HEADER, GLOBAL, PRINCIPAL, QUERY, PATH }

    /**
     * One component: a kind and, for {@link Kind#HEADER}, {@link Kind#QUERY} and {@link Kind#PATH}, the header,
     * parameter or path variable name ({@code null} for the others).
     */
    public record Part(Kind kind, String name) {

        /** True when two parts name the same value: header names ignore case, parameter and variable names do not. */
        boolean sameAs(Part other) {
            if (kind != other.kind) {
                return false;
            }
            if (name == null) {
                return true;
            }
            return kind == Kind.HEADER ? name.equalsIgnoreCase(other.name) : name.equals(other.name);
        }

        @Override
        public String toString() {
            return switch (kind) {
                case IP -> "ip";
                case GLOBAL -> "global";
                case PRINCIPAL -> "principal";
                case HEADER -> "header:" + name;
                case QUERY -> "query:" + name;
                case PATH -> "path:" + name;
            };
        }
    }

    /** Key by client IP. */
    public static final KeySource IP = new KeySource(List.of(new Part(Kind.IP, null)));

    /** One key shared by every client. */
    public static final KeySource GLOBAL = new KeySource(List.of(new Part(Kind.GLOBAL, null)));

    private final List<Part> parts;
    private final boolean needsPrincipal;

    private KeySource(List<Part> parts) {
        this.parts = List.copyOf(parts);
        this.needsPrincipal = parts.stream().anyMatch(p -> p.kind() == Kind.PRINCIPAL);
    }

    public static KeySource of(List<Part> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("a key needs at least one part");
        }
        return new KeySource(parts);
    }

    /**
     * Parses one part: {@code ip}, {@code global}, {@code principal}, {@code header:<Name>}, {@code query:<name>} or
     * {@code path:<variable>}. The kind is case-insensitive; the name keeps its case.
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
        if (lower.equals("principal")) {
            return new Part(Kind.PRINCIPAL, null);
        }
        if (lower.startsWith("header:")) {
            String name = t.substring("header:".length()).trim();
            if (!HttpToken.isToken(name)) {
                throw new IllegalArgumentException("header name in \"" + text + "\" must be a valid HTTP header name");
            }
            return new Part(Kind.HEADER, name);
        }
        if (lower.startsWith("query:")) {
            String name = t.substring("query:".length()).trim();
            if (!isQueryName(name)) {
                throw new IllegalArgumentException("query parameter name in \"" + text + "\" must be 1 to "
                        + MAX_QUERY_NAME + " characters without spaces, control characters, '&', '=' or '#'");
            }
            return new Part(Kind.QUERY, name);
        }
        if (lower.startsWith("path:")) {
            String name = t.substring("path:".length()).trim();
            if (!PathPattern.VARIABLE_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("path variable name in \"" + text + "\" must start with a letter or"
                        + " '_' and hold only letters, digits and '_' (at most 64), as in a path pattern's {name}");
            }
            return new Part(Kind.PATH, name);
        }
        throw new IllegalArgumentException("expected " + FORMS + " but got \"" + text + "\"");
    }

    /** A decoded parameter name as it can appear in a query string: no separators, nothing invisible. */
    private static boolean isQueryName(String name) {
        if (name.isEmpty() || name.length() > MAX_QUERY_NAME) {
            return false;
        }
        return name.chars().noneMatch(c -> c <= ' ' || c == 0x7f || c == '&' || c == '=' || c == '#'
                || Character.isWhitespace(c));
    }

    public List<Part> parts() {
        return parts;
    }

    /** True when every client shares one bucket. */
    public boolean isGlobal() {
        return parts.stream().allMatch(p -> p.kind() == Kind.GLOBAL);
    }

    /**
     * True when some part is the authenticated principal, so the key can only be built once authentication has run
     * (the web filters decide such rules after Spring Security's filter chain).
     */
    public boolean needsPrincipal() {
        return needsPrincipal;
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
