package io.tollgate.core.rules;

import java.util.Objects;

/**
 * A path glob: {@code *} matches within one segment, {@code **} matches any number of whole segments (including
 * none). {@code /api/**} matches {@code /api}, {@code /api/} and {@code /api/v1/x}. A trailing slash on the request
 * path is ignored. Matching is case-sensitive.
 */
public final class PathPattern {

    private final String pattern;
    private final String[] segments;
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
        int doubleStars = 0;
        for (String seg : segments) {
            if (seg.equals("**")) {
                doubleStars++;
            }
        }
        this.memoise = doubleStars > 1;
        int wildcardSegments = 0;
        for (String seg : segments) {
            if (seg.indexOf('*') >= 0) {
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
     *                                  ({@code //}) or uses {@code **} inside a segment
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
        for (String seg : pattern.substring(1).split("/", -1)) {
            if (seg.contains("**") && !seg.equals("**")) {
                throw new IllegalArgumentException("\"**\" must be a whole path segment in \"" + pattern + "\"");
            }
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
        String[] parts = end == 1 ? new String[0] : path.substring(1, end).split("/", -1);
        boolean[] failed = memoise ? new boolean[(segments.length + 1) * (parts.length + 1)] : null;
        return matchSegments(0, parts, 0, failed);
    }

    private boolean matchSegments(int si, String[] parts, int pi, boolean[] failed) {
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
                result = matchSegments(si + 1, parts, k, failed);
            }
        } else {
            result = pi < parts.length && globSegment(segments[si], parts[pi], 0, parts[pi].length())
                    && matchSegments(si + 1, parts, pi + 1, failed);
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
