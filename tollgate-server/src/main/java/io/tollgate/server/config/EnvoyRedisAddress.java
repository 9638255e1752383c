package io.tollgate.server.config;

import io.tollgate.redis.RedisConnectionSettings;
import io.tollgate.redis.RedisConnectionSettings.Mode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * envoyproxy/ratelimit's way of saying where Redis is: a {@code REDIS_URL} without a scheme, read according to
 * {@code REDIS_TYPE} and {@code REDIS_TLS}, with the credentials of {@code REDIS_AUTH}. {@link #toUrl} turns it into
 * the Redis URL Tollgate reads (forms in {@link RedisConnectionSettings}):
 * <ul>
 *   <li>single: {@code host:port} becomes {@code redis://host:port};</li>
 *   <li>sentinel: {@code master,host:port[,host:port...]} (the master name, then the sentinels) becomes
 *       {@code redis-sentinel://host:port,...#master};</li>
 *   <li>cluster: {@code host:port[,host:port...]} (seed nodes) becomes {@code redis-cluster://host:port,...}.</li>
 * </ul>
 * TLS selects each scheme's {@code rediss} form. Credentials go into the URL's user info, percent-encoded, because with
 * a URL the starter takes them from there and ignores {@code tollgate.redis.username} and {@code password}.
 *
 * <p>Only the shape is checked here (entries, the master name); hosts and ports are left to
 * {@link RedisConnectionSettings#fromUrl} on the result, the parser every URL goes through. No reason given in an
 * {@link IllegalArgumentException} quotes credentials.
 */
final class EnvoyRedisAddress {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /** {@code REDIS_TYPE}: how the nodes of the address are arranged. */
    enum Type {
        SINGLE(Mode.STANDALONE, "redis", "host:port such as redis:6379"),
        SENTINEL(Mode.SENTINEL, "redis-sentinel", "the master name, then the sentinels' host:port, such as"
                + " mymaster,10.0.0.1:26379,10.0.0.2:26379"),
        CLUSTER(Mode.CLUSTER, "redis-cluster", "the seed nodes' host:port, such as 10.0.0.1:7000,10.0.0.2:7001");

        private final Mode mode;
        private final String scheme;
        private final String form;

        Type(Mode mode, String scheme, String form) {
            this.mode = mode;
            this.scheme = scheme;
            this.form = form;
        }

        /**
         * single, sentinel or cluster, in any case, as envoyproxy/ratelimit takes them.
         *
         * @throws IllegalArgumentException for anything else
         */
        static Type parse(String value) {
            return Arrays.stream(values()).filter(t -> t.name().equalsIgnoreCase(value)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown Redis type"));
        }

        /** The mode of the Redis URL this type stands for. */
        Mode mode() {
            return mode;
        }

        /** What a scheme-less address of this type looks like, with an example. */
        String form() {
            return form;
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * {@code REDIS_AUTH}: a password, or {@code user:password} split at the first ':' as envoyproxy/ratelimit does (an
     * empty user means none). {@link #toString()} never shows the password.
     *
     * @param username null for password-only AUTH
     */
    record Credentials(String username, String password) {

        /** @throws IllegalArgumentException when the password is empty */
        static Credentials parse(String auth) {
            int colon = auth.indexOf(':');
            String user = colon < 0 ? null : auth.substring(0, colon);
            String password = colon < 0 ? auth : auth.substring(colon + 1);
            if (password.isEmpty()) {
                throw new IllegalArgumentException("empty password");
            }
            return new Credentials(user == null || user.isEmpty() ? null : user, password);
        }

        /** The URL user info, {@code user:password} or {@code :password}, percent-encoded. */
        String userInfo() {
            return (username == null ? "" : encode(username)) + ":" + encode(password);
        }

        @Override
        public String toString() {
            return "Credentials[username=" + username + ", password=***]";
        }
    }

    private EnvoyRedisAddress() {
    }

    /** True when {@code url} has a scheme ({@code redis://...}), so it is Tollgate's own form rather than envoy's. */
    static boolean hasScheme(String url) {
        return url.contains("://");
    }

    /**
     * The Redis URL for a scheme-less address.
     *
     * @param credentials null for none
     * @throws IllegalArgumentException when the address does not have the shape {@code type} needs; the reason quotes no
     *                                  credentials
     */
    static String toUrl(String address, Type type, boolean tls, Credentials credentials) {
        if (address.indexOf('@') >= 0) {
            // the part before '@' is most likely a password: say so without quoting any of it
            throw new IllegalArgumentException("credentials do not go into it; set REDIS_AUTH=password or"
                    + " REDIS_AUTH=user:password");
        }
        if (address.startsWith("/")) {
            throw new IllegalArgumentException("a path is a Unix socket, and Tollgate connects to Redis over TCP only;"
                    + " give host:port");
        }
        List<String> entries = new ArrayList<>();
        for (String entry : address.split(",", -1)) {
            String e = entry.strip();
            if (e.isEmpty()) {
                throw new IllegalArgumentException("it has an empty entry between commas");
            }
            if (e.indexOf('/') >= 0 || e.indexOf('?') >= 0 || e.indexOf('#') >= 0) {
                throw new IllegalArgumentException("\"" + e + "\" is not host:port; for a database or options use a URL"
                        + " with a scheme");
            }
            entries.add(e);
        }
        String master = null;
        switch (type) {
            case SINGLE -> {
                if (entries.size() != 1) {
                    throw new IllegalArgumentException("REDIS_TYPE single takes one host:port; for several set"
                            + " REDIS_TYPE=cluster (seed nodes) or REDIS_TYPE=sentinel (master name, then sentinels)");
                }
            }
            case SENTINEL -> {
                master = entries.remove(0);
                if (master.indexOf(':') >= 0 || master.startsWith("[")) {
                    throw new IllegalArgumentException("the first entry must be the Sentinel master name, but \""
                            + master + "\" is an address");
                }
                if (entries.isEmpty()) {
                    throw new IllegalArgumentException("after the master name \"" + master + "\" it needs at least one"
                            + " sentinel host:port");
                }
            }
            case CLUSTER -> {
                // every entry is a seed node
            }
        }
        return (tls ? "rediss" + type.scheme.substring("redis".length()) : type.scheme) + "://"
                + (credentials == null ? "" : credentials.userInfo() + "@") + String.join(",", entries)
                + (master == null ? "" : "#" + encode(master));
    }

    /**
     * {@code url} (with a scheme) with {@code credentials} as its user info. The URL must carry no credentials of its
     * own; an empty user info ({@code redis://@host}) is replaced.
     */
    static String withCredentials(String url, Credentials credentials) {
        int start = url.indexOf("://") + 3;
        int end = url.length();
        for (char c : new char[] {'?', '#'}) {
            int i = url.indexOf(c, start);
            if (i >= 0 && i < end) {
                end = i;
            }
        }
        int at = url.lastIndexOf('@', end - 1);
        int hosts = at >= start ? at + 1 : start;
        return url.substring(0, start) + credentials.userInfo() + "@" + url.substring(hosts);
    }

    /** Percent-encodes all but URI-unreserved characters, so any password survives the URL parser's decoding. */
    private static String encode(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return out.toString();
    }
}
