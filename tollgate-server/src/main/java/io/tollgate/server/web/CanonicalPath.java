package io.tollgate.server.web;

/**
 * Decides whether a raw (still percent-encoded) request path is in canonical form: the single spelling that the
 * limiter, the router, Actuator and the static resource handler all read the same way.
 *
 * <p>A path is canonical when it is empty (a request target such as {@code *}; the routes answer it), or starts with
 * {@code /} and each segment between slashes
 * <ul>
 *   <li>is not empty, except after a single trailing slash ({@code /} and {@code /health/} are canonical,
 *       {@code //x} and {@code /x//} are not);</li>
 *   <li>is not a dot segment, {@code .} or {@code ..};</li>
 *   <li>contains no {@code ;} (matrix parameters) and no {@code \};</li>
 *   <li>encodes none of {@code / \ . ;} ({@code %2F %5C %2E %3B}, either case): decoded, they would move segment
 *       boundaries, make dot segments or start matrix parameters, so the path would mean one thing to the limiter's
 *       normaliser and another to a handler;</li>
 *   <li>has only well-formed escapes ({@code %} and two hex digits).</li>
 * </ul>
 * Everything else (any letter case, other escapes such as {@code %C3%A9}, raw non-ASCII) is left to the routes.
 *
 * <p>Never throws; one pass over the string, no allocation.
 */
public final class CanonicalPath {

    private CanonicalPath() {
    }

    /** True when {@code rawPath} is canonical as described above; {@code null} is not. */
    public static boolean isCanonical(String rawPath) {
        if (rawPath == null) {
            return false;
        }
        int n = rawPath.length();
        if (n == 0) {
            return true;
        }
        if (rawPath.charAt(0) != '/') {
            return false;
        }
        int segmentStart = 1;
        // i == n stands for a closing '/', so the last segment is checked like the others
        for (int i = 1; i <= n; i++) {
            char c = i < n ? rawPath.charAt(i) : '/';
            if (c == '/') {
                if (!canonicalSegment(rawPath, segmentStart, i, i == n)) {
                    return false;
                }
                segmentStart = i + 1;
            } else if (c == ';' || c == '\\') {
                return false;
            } else if (c == '%') {
                if (i + 2 >= n) {
                    return false;
                }
                int hi = Character.digit(rawPath.charAt(i + 1), 16);
                int lo = Character.digit(rawPath.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return false;
                }
                int decoded = hi * 16 + lo;
                if (decoded == '/' || decoded == '\\' || decoded == '.' || decoded == ';') {
                    return false;
                }
                i += 2;
            }
        }
        return true;
    }

    /** Checks the raw segment {@code [from, to)}; escapes of '.' are rejected elsewhere, so raw dots suffice here. */
    private static boolean canonicalSegment(String path, int from, int to, boolean last) {
        int length = to - from;
        if (length == 0) {
            return last; // only the empty "segment" after a trailing slash
        }
        if (path.charAt(from) != '.') {
            return true;
        }
        return length > 2 || (length == 2 && path.charAt(from + 1) != '.');
    }
}
