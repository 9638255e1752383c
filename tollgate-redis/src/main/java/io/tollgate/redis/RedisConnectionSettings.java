package io.tollgate.redis;

import io.lettuce.core.RedisURI;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where and how to reach Redis. Immutable; {@link #toString()} never shows the password.
 *
 * <p>Supported URL forms ({@code [...]} is optional; user and password may be percent-encoded):
 * <ul>
 *   <li>{@code redis://[[user]:password@]host[:port][/db]} &mdash; standalone, default port 6379, db 0</li>
 *   <li>{@code rediss://...} &mdash; the same over TLS</li>
 *   <li>{@code redis-sentinel://[[user]:password@]host[:port][,host2[:port2]...][/db]#masterId} &mdash; Sentinel;
 *       the hosts are sentinels (default port 26379), {@code masterId} names the monitored master; the password is
 *       used for the data node. {@code rediss-sentinel://} for TLS.</li>
 *   <li>{@code redis-cluster://[[user]:password@]host[:port][,host2[:port2]...]} &mdash; Redis Cluster; the hosts are
 *       seed nodes, the rest of the topology is discovered. No database (cluster has only db 0).
 *       {@code rediss-cluster://} for TLS.</li>
 * </ul>
 * A query string may set {@code timeout}, {@code connectTimeout}, {@code overloadTimeout} (e.g. {@code 250ms},
 * {@code 2s}, or plain
 * milliseconds), {@code prefix}, {@code trustedCertificate} (path of a PEM file with the CA or self-signed server
 * certificate to trust over TLS; see {@link #withTrustedCertificate}), and {@code verifyPeer=false} (TLS without
 * certificate checks, for tests only).
 * IPv6 hosts go in brackets: {@code redis://[::1]:6379}.
 *
 * <p>Every validation failure is an {@link IllegalArgumentException} whose message names the bad value with any
 * password replaced by {@code ***}.
 */
public final class RedisConnectionSettings {

    /** Default time budget of one store call. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(100);
    /**
     * Default bound on how long a call may wait while Redis keeps answering other calls (a queue in this process or in
     * Redis) before it is shed.
     */
    public static final Duration DEFAULT_OVERLOAD_TIMEOUT = Duration.ofSeconds(2);
    /** Default time budget of establishing a connection. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** Default prefix of every key the store writes. */
    public static final String DEFAULT_KEY_PREFIX = "tollgate";

    /** How the nodes are arranged. */
    public enum Mode {
        STANDALONE, SENTINEL, CLUSTER
    }

    /** One node address. */
    public record HostAndPort(String host, int port) {
        @Override
        public String toString() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._:\\-|]{1,64}");
    // Greedy up to the last '@' before whitespace: over-redacting is harmless, leaking a password part is not.
    private static final Pattern REDACT = Pattern.compile("(://)([^:@\\s]*)(:[^\\s]*)?@");
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s)?");

    private final Mode mode;
    private final List<HostAndPort> hosts;
    private final int database;
    private final String username;
    private final String password;
    private final boolean tls;
    private final boolean verifyPeer;
    private final String sentinelMasterId;
    private final Duration timeout;
    private final Duration connectTimeout;
    private final Duration overloadTimeout;
    private final String keyPrefix;
    private final Path trustedCertificate;

    private RedisConnectionSettings(Mode mode, List<HostAndPort> hosts, int database, String username, String password,
            boolean tls, boolean verifyPeer, String sentinelMasterId, Duration timeout, Duration connectTimeout,
            Duration overloadTimeout, String keyPrefix, Path trustedCertificate) {
        this.mode = mode;
        this.hosts = List.copyOf(hosts);
        this.database = database;
        this.username = emptyToNull(username);
        this.password = emptyToNull(password);
        this.tls = tls;
        this.verifyPeer = verifyPeer;
        this.sentinelMasterId = sentinelMasterId;
        this.timeout = positive("timeout", timeout);
        this.connectTimeout = positive("connectTimeout", connectTimeout);
        this.overloadTimeout = positive("overloadTimeout", overloadTimeout);
        if (this.overloadTimeout.compareTo(this.timeout) < 0) {
            throw new IllegalArgumentException("overloadTimeout (" + overloadTimeout.toMillis()
                    + " ms) must be at least the timeout (" + timeout.toMillis() + " ms)");
        }
        if (keyPrefix == null || !PREFIX.matcher(keyPrefix).matches()) {
            throw new IllegalArgumentException("key prefix must be 1-64 characters of [A-Za-z0-9._:-|], got \""
                    + keyPrefix + "\"");
        }
        this.keyPrefix = keyPrefix;
        this.trustedCertificate = trustedCertificate;
    }

    /**
     * Settings for one standalone server, as given by {@code REDIS_HOST}, {@code REDIS_PORT}, {@code REDIS_DB},
     * {@code REDIS_USERNAME}, {@code REDIS_PASSWORD} style configuration.
     *
     * @param username null or empty for none (password-only AUTH)
     * @param password null or empty for none
     */
    public static RedisConnectionSettings fromHostPort(String host, int port, int db, String username, String password,
            boolean tls) {
        if (host == null || host.isBlank() || host.chars().anyMatch(c -> c <= ' ' || c == '/' || c == '@')) {
            throw new IllegalArgumentException("Redis host must be a host name or IP address, got \"" + host + "\"");
        }
        checkPort(port, host + ":" + port);
        if (db < 0) {
            throw new IllegalArgumentException("Redis database must be 0 or greater, got " + db);
        }
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return new RedisConnectionSettings(Mode.STANDALONE, List.of(new HostAndPort(h, port)), db, username, password,
                tls, true, null, DEFAULT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_OVERLOAD_TIMEOUT, DEFAULT_KEY_PREFIX,
                null);
    }

    /**
     * Reads {@code REDIS_URL} if set, else {@code REDIS_HOST} (default {@code localhost}), {@code REDIS_PORT} (6379),
     * {@code REDIS_DB} (0), {@code REDIS_USERNAME}, {@code REDIS_PASSWORD} and {@code REDIS_TLS} ({@code true}/{@code false}).
     */
    public static RedisConnectionSettings fromEnvironment(Map<String, String> env) {
        String url = env.get("REDIS_URL");
        if (url != null && !url.isBlank()) {
            return fromUrl(url);
        }
        return fromHostPort(env.getOrDefault("REDIS_HOST", "localhost"),
                parseInt("REDIS_PORT", env.getOrDefault("REDIS_PORT", "6379")),
                parseInt("REDIS_DB", env.getOrDefault("REDIS_DB", "0")),
                env.get("REDIS_USERNAME"), env.get("REDIS_PASSWORD"),
                Boolean.parseBoolean(env.getOrDefault("REDIS_TLS", "false")));
    }

    /**
     * Parses a URL in one of the forms listed in the class comment.
     *
     * @throws IllegalArgumentException naming the (redacted) URL and what is wrong with it
     */
    public static RedisConnectionSettings fromUrl(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("Redis URL must not be empty");
        }
        String shown = redact(url);
        int schemeEnd = url.indexOf("://");
        if (schemeEnd < 0) {
            throw bad(shown, "expected a scheme such as redis://");
        }
        String scheme = url.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
        Mode mode;
        boolean tls;
        int defaultPort = 6379;
        switch (scheme) {
            case "redis" -> { mode = Mode.STANDALONE; tls = false; }
            case "rediss" -> { mode = Mode.STANDALONE; tls = true; }
            case "redis-sentinel" -> { mode = Mode.SENTINEL; tls = false; defaultPort = 26379; }
            case "rediss-sentinel" -> { mode = Mode.SENTINEL; tls = true; defaultPort = 26379; }
            case "redis-cluster" -> { mode = Mode.CLUSTER; tls = false; }
            case "rediss-cluster" -> { mode = Mode.CLUSTER; tls = true; }
            default -> throw bad(shown, "unknown scheme \"" + scheme + "\"; use redis, rediss, redis-sentinel,"
                    + " rediss-sentinel, redis-cluster or rediss-cluster");
        }
        String rest = url.substring(schemeEnd + 3);
        String fragment = null;
        int hash = rest.indexOf('#');
        if (hash >= 0) {
            fragment = rest.substring(hash + 1);
            rest = rest.substring(0, hash);
        }
        String query = null;
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        String username = null;
        String password = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = rest.substring(0, at);
            rest = rest.substring(at + 1);
            int colon = userInfo.indexOf(':');
            if (colon >= 0) {
                username = decode(userInfo.substring(0, colon), shown);
                password = decode(userInfo.substring(colon + 1), shown);
            } else {
                password = decode(userInfo, shown); // redis://secret@host: a lone user-info is the password
            }
        }
        int database = 0;
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            String db = rest.substring(slash + 1);
            rest = rest.substring(0, slash);
            if (!db.isEmpty()) {
                if (!db.matches("\\d{1,5}")) {
                    throw bad(shown, "database must be a number, got \"" + db + "\"");
                }
                database = Integer.parseInt(db);
            }
        }
        if (mode == Mode.CLUSTER && database != 0) {
            throw bad(shown, "Redis Cluster has only database 0");
        }
        List<HostAndPort> hosts = parseHosts(rest, defaultPort, shown);
        if (mode == Mode.STANDALONE && hosts.size() != 1) {
            throw bad(shown, "a standalone URL names exactly one host; use redis-cluster:// or redis-sentinel://"
                    + " for several");
        }
        if (mode == Mode.SENTINEL && (fragment == null || fragment.isBlank())) {
            throw bad(shown, "a Sentinel URL needs the master id after '#', e.g. redis-sentinel://host:26379#mymaster");
        }
        if (mode != Mode.SENTINEL && fragment != null) {
            throw bad(shown, "only Sentinel URLs take a '#masterId'");
        }
        Duration timeout = DEFAULT_TIMEOUT;
        Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        Duration overloadTimeout = null;
        String prefix = DEFAULT_KEY_PREFIX;
        boolean verifyPeer = true;
        Path trusted = null;
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                String k = eq < 0 ? pair : pair.substring(0, eq);
                String v = eq < 0 ? "" : decode(pair.substring(eq + 1), shown);
                switch (k) {
                    case "timeout" -> timeout = parseDuration(v, shown);
                    case "connectTimeout" -> connectTimeout = parseDuration(v, shown);
                    case "overloadTimeout" -> overloadTimeout = parseDuration(v, shown);
                    case "prefix" -> prefix = v;
                    case "verifyPeer" -> verifyPeer = !"false".equalsIgnoreCase(v);
                    case "trustedCertificate" -> trusted = v.isEmpty() ? null : Path.of(v);
                    default -> throw bad(shown, "unknown option \"" + k + "\"; known: timeout, connectTimeout,"
                            + " overloadTimeout, prefix, verifyPeer, trustedCertificate");
                }
            }
        }
        if (overloadTimeout == null) {
            overloadTimeout = timeout.compareTo(DEFAULT_OVERLOAD_TIMEOUT) > 0 ? timeout : DEFAULT_OVERLOAD_TIMEOUT;
        }
        try {
            return new RedisConnectionSettings(mode, hosts, database, username, password, tls, verifyPeer, fragment,
                    timeout, connectTimeout, overloadTimeout, prefix, trusted);
        } catch (IllegalArgumentException e) {
            throw bad(shown, e.getMessage());
        }
    }

    /**
     * A copy with another silence budget: how long Redis may stay silent, after a command was written, before the call
     * counts as a Redis failure. The overload timeout is raised to it if it was smaller.
     */
    public RedisConnectionSettings withTimeout(Duration timeout) {
        Duration overload = timeout != null && timeout.compareTo(overloadTimeout) > 0 ? timeout : overloadTimeout;
        return new RedisConnectionSettings(mode, hosts, database, username, password, tls, verifyPeer,
                sentinelMasterId, timeout, connectTimeout, overload, keyPrefix, trustedCertificate);
    }

    /**
     * A copy with another overload budget: the longest a call may wait in total while Redis keeps answering (so the
     * delay is a queue, in this process or in Redis, not a failure); then it fails with
     * {@link io.tollgate.core.store.StoreOverloadedException}. At least the timeout.
     */
    public RedisConnectionSettings withOverloadTimeout(Duration overloadTimeout) {
        return new RedisConnectionSettings(mode, hosts, database, username, password, tls, verifyPeer,
                sentinelMasterId, timeout, connectTimeout, overloadTimeout, keyPrefix, trustedCertificate);
    }

    /** A copy with another connect time budget. */
    public RedisConnectionSettings withConnectTimeout(Duration connectTimeout) {
        return new RedisConnectionSettings(mode, hosts, database, username, password, tls, verifyPeer,
                sentinelMasterId, timeout, connectTimeout, overloadTimeout, keyPrefix, trustedCertificate);
    }

    /** A copy with another key prefix (1-64 characters of {@code [A-Za-z0-9._:-|]}). */
    public RedisConnectionSettings withKeyPrefix(String keyPrefix) {
        return new RedisConnectionSettings(mode, hosts, database, username, password, tls, verifyPeer,
                sentinelMasterId, timeout, connectTimeout, overloadTimeout, keyPrefix, trustedCertificate);
    }

    /**
     * A copy that trusts the certificate(s) in the PEM file {@code pemFile} (a CA or a self-signed server certificate)
     * instead of the JVM's default trust store when connecting over TLS; peer verification (chain and host name)
     * stays as configured, on by default. Null restores the JVM default.
     */
    public RedisConnectionSettings withTrustedCertificate(Path pemFile) {
        return new RedisConnectionSettings(mode, hosts, database, username, password, tls, verifyPeer,
                sentinelMasterId, timeout, connectTimeout, overloadTimeout, keyPrefix, pemFile);
    }

    /** The PEM file of trusted certificates for TLS, or null for the JVM's default trust store. */
    public Path trustedCertificate() {
        return trustedCertificate;
    }

    public Mode mode() {
        return mode;
    }

    /** Standalone: the server; Sentinel: the sentinels; Cluster: the seed nodes. */
    public List<HostAndPort> hosts() {
        return hosts;
    }

    public int database() {
        return database;
    }

    /** The ACL user name, or null. */
    public String username() {
        return username;
    }

    public boolean hasPassword() {
        return password != null;
    }

    public boolean tls() {
        return tls;
    }

    public boolean verifyPeer() {
        return verifyPeer;
    }

    /** The Sentinel master id, or null outside Sentinel mode. */
    public String sentinelMasterId() {
        return sentinelMasterId;
    }

    public Duration timeout() {
        return timeout;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** See {@link #withOverloadTimeout}. */
    public Duration overloadTimeout() {
        return overloadTimeout;
    }

    public String keyPrefix() {
        return keyPrefix;
    }

    /** The password, for building connections and redacting messages only; never log it. */
    String password() {
        return password;
    }

    /**
     * Lettuce URIs: one for standalone and Sentinel (Sentinel nodes inside), one per seed node for Cluster.
     * They carry the credentials, so keep them out of logs.
     */
    public List<RedisURI> toRedisUris() {
        List<RedisURI> uris = new ArrayList<>();
        if (mode == Mode.SENTINEL) {
            RedisURI.Builder b = null;
            for (HostAndPort h : hosts) {
                b = b == null ? RedisURI.Builder.sentinel(h.host(), h.port(), sentinelMasterId)
                        : b.withSentinel(h.host(), h.port());
            }
            uris.add(finish(b));
        } else {
            for (HostAndPort h : hosts) {
                uris.add(finish(RedisURI.Builder.redis(h.host(), h.port())));
            }
        }
        return uris;
    }

    /**
     * The URI's timeout is what Lettuce allows the connection handshake (HELLO/AUTH/SELECT, the Sentinel master
     * lookup) on connect and on every reconnect; command timeouts are set separately by the store. It is the larger of
     * the connect timeout and the per-call timeout, so a tight per-call budget (100 ms) does not make startup or
     * reconnects fail on a busy machine while {@code connectTimeout} allows more.
     */
    Duration handshakeTimeout() {
        return connectTimeout.compareTo(timeout) > 0 ? connectTimeout : timeout;
    }

    private RedisURI finish(RedisURI.Builder b) {
        b.withDatabase(database).withSsl(tls).withVerifyPeer(verifyPeer).withTimeout(handshakeTimeout());
        if (password != null) {
            if (username != null) {
                b.withAuthentication(username, password.toCharArray());
            } else {
                b.withPassword(password.toCharArray());
            }
        }
        return b.build();
    }

    /** Mode and node list, for logs: {@code standalone 127.0.0.1:6379}. */
    public String describeNodes() {
        StringBuilder sb = new StringBuilder(mode.name().toLowerCase(Locale.ROOT)).append(' ');
        for (int i = 0; i < hosts.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(hosts.get(i));
        }
        if (mode == Mode.STANDALONE && database != 0) {
            sb.append('/').append(database);
        }
        if (sentinelMasterId != null) {
            sb.append(" master ").append(sentinelMasterId);
        }
        if (tls) {
            sb.append(" tls");
        }
        return sb.toString();
    }

    /** Replaces this password wherever it appears in {@code text}. */
    String scrub(String text) {
        if (text == null) {
            return null;
        }
        String s = redact(text);
        return password == null ? s : s.replace(password, "***");
    }

    /**
     * Replaces the password part of every {@code scheme://user:password@} in {@code text} with {@code ***}; a lone
     * user-info ({@code scheme://secret@}) is treated as a password, as Redis URLs do.
     */
    public static String redact(String text) {
        Matcher m = REDACT.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String repl = m.group(3) == null ? "***@" : m.group(2) + ":***@";
            m.appendReplacement(sb, Matcher.quoteReplacement(m.group(1) + repl));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    @Override
    public String toString() {
        return "RedisConnectionSettings{" + describeNodes() + (username != null ? ", user=" + username : "")
                + (password != null ? ", password=***" : "") + ", timeout=" + timeout.toMillis() + "ms"
                + ", connectTimeout=" + connectTimeout.toMillis() + "ms, overloadTimeout=" + overloadTimeout.toMillis()
                + "ms, keyPrefix=" + keyPrefix
                + (trustedCertificate != null ? ", trustedCertificate=" + trustedCertificate : "") + '}';
    }

    private static List<HostAndPort> parseHosts(String text, int defaultPort, String shown) {
        if (text.isEmpty()) {
            throw bad(shown, "no host given");
        }
        List<HostAndPort> hosts = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            String host;
            String port = null;
            if (part.startsWith("[")) {
                int close = part.indexOf(']');
                if (close < 0) {
                    throw bad(shown, "unclosed '[' in host \"" + part + "\"");
                }
                host = part.substring(1, close);
                String after = part.substring(close + 1);
                if (after.startsWith(":")) {
                    port = after.substring(1);
                } else if (!after.isEmpty()) {
                    throw bad(shown, "unexpected \"" + after + "\" after host \"" + part + "\"");
                }
            } else {
                int colon = part.indexOf(':');
                host = colon < 0 ? part : part.substring(0, colon);
                port = colon < 0 ? null : part.substring(colon + 1);
            }
            if (host.isEmpty() || !host.matches("[A-Za-z0-9._\\-:%]+")) {
                throw bad(shown, "bad host \"" + part + "\"");
            }
            int p = defaultPort;
            if (port != null) {
                if (!port.matches("\\d{1,5}")) {
                    throw bad(shown, "bad port \"" + port + "\" for host " + host);
                }
                p = Integer.parseInt(port);
                checkPort(p, shown);
            }
            hosts.add(new HostAndPort(host, p));
        }
        return hosts;
    }

    private static void checkPort(int port, String shown) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("Redis port must be 1-65535, got " + port + " in " + shown);
        }
    }

    private static Duration parseDuration(String v, String shown) {
        Matcher m = DURATION.matcher(v);
        if (!m.matches()) {
            throw bad(shown, "bad duration \"" + v + "\"; use e.g. 250ms, 2s or 100");
        }
        long n = Long.parseLong(m.group(1));
        return "s".equals(m.group(2)) ? Duration.ofSeconds(n) : Duration.ofMillis(n);
    }

    private static int parseInt(String name, String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got \"" + v + "\"");
        }
    }

    private static Duration positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
        return d;
    }

    /** Percent-decoding as in URIs ({@code +} stays a plus). */
    private static String decode(String s, String shown) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw bad(shown, "incomplete percent escape");
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw bad(shown, "bad percent escape");
                }
                out.write(hi * 16 + lo);
                i += 2;
            } else {
                int end = i + Character.charCount(s.codePointAt(i));
                byte[] b = s.substring(i, end).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
                i = end - 1;
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static IllegalArgumentException bad(String shownUrl, String why) {
        return new IllegalArgumentException("invalid Redis URL " + shownUrl + ": " + why);
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
