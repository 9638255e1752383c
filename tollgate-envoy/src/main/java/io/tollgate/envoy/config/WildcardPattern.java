package io.tollgate.envoy.config;

import java.util.List;

/**
 * A composite key ({@code key_value}) with {@code *} in it, matched as envoyproxy/ratelimit does: each {@code *}
 * matches zero or more characters, anywhere and any number of times; the pattern must match the whole composite key
 * ({@code bar*b} matches {@code barb}, not {@code xbarb}).
 */
record WildcardPattern(String text, List<String> parts) {

    static WildcardPattern of(String compositeKey) {
        // split with limit -1 keeps the empty segments that a leading or trailing '*' leaves
        return new WildcardPattern(compositeKey, List.of(compositeKey.split("\\*", -1)));
    }

    static boolean isPattern(String compositeKey) {
        return compositeKey.indexOf('*') >= 0;
    }

    /** Whether {@code compositeKey} (a request's {@code key_value}) matches. */
    boolean matches(String compositeKey) {
        String head = parts.get(0);
        String tail = parts.get(parts.size() - 1);
        if (!compositeKey.startsWith(head) || !compositeKey.endsWith(tail)
                || compositeKey.length() < head.length() + tail.length()) {
            return false;
        }
        // The middle segments in order, each at its first place after the previous one, between head and tail.
        int from = head.length();
        int end = compositeKey.length() - tail.length();
        for (String part : parts.subList(1, parts.size() - 1)) {
            int at = compositeKey.indexOf(part, from);
            if (at < 0 || at + part.length() > end) {
                return false;
            }
            from = at + part.length();
        }
        return true;
    }
}
