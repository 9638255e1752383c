package io.tollgate.core.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A path glob: {@code *} matches within one segment, {@code **} matches any number of whole segments (including
 * none), and a whole segment {@code {name}} matches one non-empty segment and captures it as the path variable
 * {@code name} ({@link #variable}). {@code /api/**} matches {@code /api}, {@code /api/} and {@code /api/v1/x};
 * {@code /users/{id}/**} matches {@code /users/7/orders} with {@code id} = {@code 7}. A trailing slash on the request
 * path is ignored. Matching is case-sensitive.
 */
public final class PathPattern {

    /** A path variable's name: a letter or {@code _}, then letters, digits and {@code _}, at most 64 in all. */
    public static final Pattern VARIABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");

    private final String pattern;
    private final String[] segments;
    /** Per segment, the variable it captures, or {@code null}; empty when the pattern has no variable. */
    private final String[] variableAt;
    private final List<String> variables;
    /** With two or more {@code **} naive backtracking is polynomial in the (client-chosen) path length; memoise. */
    private final boolean memoise;
    /** Set when the pattern is literal segments plus a trailing {@code **}: matched by a prefix test, no allocation. */
    private final String literalPrefix;
    /** Set when the pattern has no wildcard at all: matched by comparison, no allocation. */
    private final String literal;

    private PathPattern(String pattern) {
        this.pattern = pattern;
        String body = pattern.length() > 1 && pattern.endsWith("/") ? pattern.substring(0, pattern.length() - 1) : pattern;
        this.segments = body.equals("/") ? new String[0] : body.substring(1).split("/", -1);
        List<String> names = new ArrayList<>();
        String[] at = new String[segments.length];
        for (int i = 0; i < segments.length; i++) {
            at[i] = variableName(segments[i]);
            if (at[i] != null) {
                names.add(at[i]);
            }
        }
        this.variables = List.copyOf(names);
        this.variableAt = names.isEmpty() ? new String[0] : at;
        int doubleStars = 0;
        for (String seg : segments) {
            if (seg.equals("**")) {
                doubleStars++;
            }
        }
        this.memoise = doubleStars > 1;
        int wildcardSegments = 0;
        for (String seg : segments) {
            if (seg.indexOf('*') >= 0 || variableName(seg) != null) {
                wildcardSegments++;
            }
        }
        boolean trailingDoubleStar = segments.length > 0 && segments[segments.length - 1].equals("**");
        this.literalPrefix = trailingDoubleStar && wildcardSegments == 1
                ? (segments.length == 1 ? "" : body.substring(0, body.length() - 3)) : null;
        this.literal = wildcardSegments == 0 ? body : null;
    }

    /**
     * @throws IllegalArgumentException if the pattern does not start with {@code /}, has an empty segment
     *                                  ({@code //}), uses {@code **} inside a segment, has a brace outside a whole
     *                                  {@code {name}} segment, a variable name outside {@link #VARIABLE_NAME}, or the
     *                                  same variable twice
     */
    public static PathPattern of(String pattern) {
        Objects.requireNonNull(pattern, "pattern");
        if (!pattern.startsWith("/")) {
            throw new IllegalArgumentException("a path pattern must start with \"/\" but got \"" + pattern + "\"");
        }
        if (pattern.contains("//")) {
            throw new IllegalArgumentException("a path pattern must not contain an empty segment (\"//\") but got \""
                    + pattern + "\"");
        }
        List<String> names = new ArrayList<>();
        for (String seg : pattern.substring(1).split("/", -1)) {
            if (seg.contains("**") && !seg.equals("**")) {
                throw new IllegalArgumentException("\"**\" must be a whole path segment in \"" + pattern + "\"");
            }
            if (seg.indexOf('{') < 0 && seg.indexOf('}') < 0) {
                continue;
            }
            String name = variableName(seg);
            if (name == null) {
                throw new IllegalArgumentException("a path variable must be a whole segment such as \"{id}\", named by"
                        + " a letter or '_' then letters, digits or '_', but got \"" + seg + "\" in \"" + pattern + "\"");
            }
            if (names.contains(name)) {
                throw new IllegalArgumentException("path variable \"" + name + "\" appears more than once in \""
                        + pattern + "\"");
            }
            names.add(name);
        }
        return new PathPattern(pattern);
    }

    /** The pattern for a rule named {@code name} with no explicit match: {@code /name} and everything below it. */
    public static PathPattern forRuleName(String name) {
        return of("/" + name + "/**");
    }

    public String pattern() {
        return pattern;
    }

    /** The names of this pattern's {@code {name}} segments, in order; empty when it has none. */
    public List<String> variables() {
        return variables;
    }

    /**
     * The segment of {@code path} that variable {@code name} captures, or {@code null} when the path does not match or
     * the pattern has no such variable. Where {@code **} leaves a choice, the capture is that of the first match found
     * with each {@code **} taking as few segments as possible.
     */
    public String variable(String path, String name) {
        int at = -1;
        for (int i = 0; i < variableAt.length; i++) {
            if (name.equals(variableAt[i])) {
                at = i;
            }
        }
        if (at < 0 || path == null || path.isEmpty() || path.charAt(0) != '/') {
            return null;
        }
        String[] parts = parts(path);
        String[] captured = new String[segments.length];
        boolean[] failed = memoise ? new boolean[(segments.length + 1) * (parts.length + 1)] : null;
        return matchSegments(0, parts, 0, failed, captured) ? captured[at] : null;
    }

    /** True if {@code path} (the decoded request path, starting with {@code /}) matches. */
    public boolean matches(String path) {
        if (path == null || path.isEmpty() || path.charAt(0) != '/') {
            return false;
        }
        int end = path.length();
        while (end > 1 && path.charAt(end - 1) == '/') {
            end--;
        }
        if (literal != null) {
            return end == literal.length() && path.startsWith(literal);
        }
        if (literalPrefix != null) {
            int n = literalPrefix.length();
            return end >= n && path.startsWith(literalPrefix) && (end == n || path.charAt(n) == '/');
        }
        String[] parts = parts(path);
        boolean[] failed = memoise ? new boolean[(segments.length + 1) * (parts.length + 1)] : null;
        return matchSegments(0, parts, 0, failed, null);
    }

    /** The segments of a path starting with {@code /}, trailing slashes ignored. */
    private static String[] parts(String path) {
        int end = path.length();
        while (end > 1 && path.charAt(end - 1) == '/') {
            end--;
        }
        return end == 1 ? new String[0] : path.substring(1, end).split("/", -1);
    }

    /**
     * Whether segments from {@code si} match parts from {@code pi}. {@code captured}, when given, receives the part
     * each variable segment matched; it is written only on the way back from a full match, so it holds that match.
     */
    private boolean matchSegments(int si, String[] parts, int pi, boolean[] failed, String[] captured) {
        if (si == segments.length) {
            return pi == parts.length;
        }
        int slot = si * (parts.length + 1) + pi;
        if (failed != null && failed[slot]) {
            return false;
        }
        boolean result = false;
        if (segments[si].equals("**")) {
            for (int k = pi; k <= parts.length && !result; k++) {
                result = matchSegments(si + 1, parts, k, failed, captured);
            }
        } else if (si < variableAt.length && variableAt[si] != null) {
            // a variable never captures an empty segment, so a matched variable always has a value
            result = pi < parts.length && !parts[pi].isEmpty() && matchSegments(si + 1, parts, pi + 1, failed, captured);
            if (result && captured != null) {
                captured[si] = parts[pi];
            }
        } else {
            result = pi < parts.length && globSegment(segments[si], parts[pi], 0, parts[pi].length())
                    && matchSegments(si + 1, parts, pi + 1, failed, captured);
        }
        if (!result && failed != null) {
            failed[slot] = true;
        }
        return result;
    }

    private static boolean globSegment(String glob, String s, int from, int to) {
        int g = 0;
        int i = from;
        int starG = -1;
        int starI = -1;
        while (i < to) {
            // '*' first: a literal '*' in the path must not consume the wildcard
            if (g < glob.length() && glob.charAt(g) == '*') {
                starG = g++;
                starI = i;
            } else if (g < glob.length() && glob.charAt(g) == s.charAt(i)) {
                g++;
                i++;
            } else if (starG >= 0) {
                g = starG + 1;
                i = ++starI;
            } else {
                return false;
            }
        }
        while (g < glob.length() && glob.charAt(g) == '*') {
            g++;
        }
        return g == glob.length();
    }

    /** The variable a pattern segment declares ({@code {name}} with a valid name), or {@code null}. */
    private static String variableName(String segment) {
        if (segment.length() < 3 || segment.charAt(0) != '{' || segment.charAt(segment.length() - 1) != '}') {
            return null;
        }
        String name = segment.substring(1, segment.length() - 1);
        return VARIABLE_NAME.matcher(name).matches() ? name : null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PathPattern other && pattern.equals(other.pattern);
    }

    @Override
    public int hashCode() {
        return pattern.hashCode();
    }

    @Override
    public String toString() {
        return pattern;
    }
}
