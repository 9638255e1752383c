package io.tollgate.spring.web;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Normalises a decoded request path before rules and exempt paths are matched, so that spellings a server or
 * application would route to the same handler also meet the same rule: {@code //} collapses, {@code .} segments go,
 * and {@code ..} removes the segment before it ({@code /health/../special_path} is {@code /special_path}, so it
 * cannot hide behind an exempt prefix). A {@code ..} above the root stays at the root. Backslashes count as
 * separators, because some servers treat them so. Matrix parameters ({@code ;a=b}) are dropped from each segment.
 */
public final class RequestPaths {

    private RequestPaths() {
    }

    /** True when {@link #normalise} would return the path unchanged. */
    static boolean isNormal(String path) {
        if (path.charAt(0) != '/') {
            return false;
        }
        int n = path.length();
        for (int i = 0; i < n; i++) {
            char c = path.charAt(i);
            if (c == '\\' || c == ';') {
                return false;
            }
            if (c == '/') {
                // "//", "/." (covers "/./" and "/../") and a trailing "/" all need the slow path
                if (i + 1 == n ? n > 1 : path.charAt(i + 1) == '/' || path.charAt(i + 1) == '.') {
                    return false;
                }
            }
        }
        return true;
    }

    public static String normalise(String decodedPath) {
        if (decodedPath == null || decodedPath.isEmpty()) {
            return "/";
        }
        if (isNormal(decodedPath)) {
            return decodedPath; // the common case: nothing to rewrite, nothing to allocate
        }
        Deque<String> segments = new ArrayDeque<>();
        int n = decodedPath.length();
        int start = 0;
        for (int i = 0; i <= n; i++) {
            char c = i < n ? decodedPath.charAt(i) : '/';
            if (c == '/' || c == '\\') {
                String seg = decodedPath.substring(start, i);
                int semi = seg.indexOf(';');
                if (semi >= 0) {
                    seg = seg.substring(0, semi);
                }
                if (seg.equals("..")) {
                    segments.pollLast();
                } else if (!seg.isEmpty() && !seg.equals(".")) {
                    segments.addLast(seg);
                }
                start = i + 1;
            }
        }
        if (segments.isEmpty()) {
            return "/";
        }
        StringBuilder sb = new StringBuilder(n);
        for (String s : segments) {
            sb.append('/').append(s);
        }
        return sb.toString();
    }
}
