package io.tollgate.core.identity;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Reads one parameter from a raw query string ({@code a=1&b=x%20y}), the same way for every web framework, so that a
 * {@code query:} key means the same in the WebFlux and the Servlet filter. Names and values are decoded as HTML forms
 * encode them ({@code +} is a space, {@code %XX} a UTF-8 byte); a malformed escape leaves that text as it was sent.
 */
public final class QueryString {

    private QueryString() {
    }

    /**
     * The decoded value of the first parameter named {@code name}, {@code ""} for a name without {@code =}, or
     * {@code null} when there is no such parameter (or no query string).
     */
    public static String first(String rawQuery, String name) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return null;
        }
        int n = rawQuery.length();
        int start = 0;
        while (start <= n) {
            int amp = rawQuery.indexOf('&', start);
            int end = amp < 0 ? n : amp;
            int eq = rawQuery.indexOf('=', start);
            int nameEnd = eq < 0 || eq > end ? end : eq;
            if (nameEnd > start && decode(rawQuery.substring(start, nameEnd)).equals(name)) {
                return nameEnd == end ? "" : decode(rawQuery.substring(nameEnd + 1, end));
            }
            start = end + 1;
        }
        return null;
    }

    private static String decode(String s) {
        if (s.indexOf('%') < 0 && s.indexOf('+') < 0) {
            return s;
        }
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s; // a malformed escape: the raw text still identifies the value, and is hashed like any other
        }
    }
}
