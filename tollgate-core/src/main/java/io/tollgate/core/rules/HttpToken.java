package io.tollgate.core.rules;

/** The {@code token} syntax of RFC 9110 section 5.6.2, which both HTTP method names and header names follow. */
final class HttpToken {

    private static final String SYMBOLS = "!#$%&'*+-.^_`|~";

    private HttpToken() {
    }

    /** True when {@code s} is one or more token characters: letters, digits and {@code !#$%&'*+-.^_`|~}. */
    static boolean isToken(String s) {
        return !s.isEmpty() && s.chars().allMatch(HttpToken::isTokenChar);
    }

    private static boolean isTokenChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || SYMBOLS.indexOf(c) >= 0;
    }
}
