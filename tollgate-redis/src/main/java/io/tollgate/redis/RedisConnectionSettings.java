package io.tollgate.redis;

import io.lettuce.core.RedisURI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where and how to reach Redis: one immutable description, made by {@link #builder()} or parsed from a URL by
 * {@link #fromUrl}. {@link #toString()} never shows the password.
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
 * A query string may set the {@linkplain Option options}: {@code timeout}, {@code connectTimeout},
 * {@code overloadTimeout} (e.g. {@code 250ms}, {@code 2s}, or plain milliseconds), {@code prefix},
 * {@code trustedCertificate} (path of a PEM file with the CA or self-signed server certificate to trust over TLS; see
 * {@link #withTrustedCertificate}), {@code verifyPeer=false} (TLS without certificate checks, for tests only),
 * {@code batch=false} (one script call per decision instead of batches; see {@link #batching()}) and
 * {@code batchSize} (most decisions per script call, 1-1024).
 * IPv6 hosts go in brackets: {@code redis://[::1]:6379}.
 *
 * <p>The description remembers which options were given (by the URL or a builder call) and which are library
 * defaults ({@link #isExplicit}), so a caller layering its own configuration on top can let explicit values win.
 *
 * <p>Every validation failure is a {@link RedisSettingsException} (an {@link IllegalArgumentException}) naming the field
 * or URL part, with any password replaced by {@code ***}.
 */
public final class RedisConnectionSettings {

    /** Default time budget of one store call. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(100);
    /**
     * Default bound on how long a call may wait while Redis keeps answering other calls (a queue in this process or in
     * Redis) before it is shed; raised to the timeout when that is longer.
     */
    public static final Duration DEFAULT_OVERLOAD_TIMEOUT = Duration.ofSeconds(2);
    /** Default time budget of establishing a connection. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** Default prefix of every key the store writes. */
    public static final String DEFAULT_KEY_PREFIX = "tollgate";
    /** Default of the most decisions one script call carries. */
    public static final int DEFAULT_BATCH_SIZE = 128;
    /** Largest batch size accepted. */
    public static final int MAX_BATCH_SIZE = 1024;

    /** How the nodes are arranged. */
    public enum Mode {
        STANDALONE, SENTINEL, CLUSTER
    }

    /** The settings besides the address that a URL query or a caller may give, each with a library default. */
    public enum Option {
        TIMEOUT("timeout"), CONNECT_TIMEOUT("connectTimeout"), OVERLOAD_TIMEOUT("overloadTimeout"), KEY_PREFIX("prefix"),
        VERIFY_PEER("verifyPeer"), TRUSTED_CERTIFICATE("trustedCertificate"), BATCH("batch"),
        BATCH_SIZE("batchSize");

        private final String urlName;

        Option(String urlName) {
            this.urlName = urlName;
        }

        /** The name of the option in a URL query string. */
        public String urlName() {
            return urlName;
        }
    }

    /** One node address. */
    public record HostAndPort(String host, int port) {
        @Override
        public String toString() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._:\\-|]{1,64}");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._\\-:%]+");

    private final Mode mode;
    private final List<HostAndPort> hosts;
    private final int database;
    private final String username;
    private final String password;
    private final boolean tls;
    private final String sentinelMasterId;
    private final Duration timeout;
    private final Duration connectTimeout;
    private final Duration overloadTimeout;
    private final String keyPrefix;
    private final boolean verifyPeer;
    private final Path trustedCertificate;
    private final boolean batching;
    private final int batchSize;
    private final Set<Option> explicit;

    private RedisConnectionSettings(Builder b) {
        this.mode = b.mode;
        this.hosts = List.copyOf(b.hosts);
        this.database = b.database;
        this.username = b.username;
        this.password = b.password;
        this.tls = b.tls;
        this.sentinelMasterId = b.sentinelMasterId;
        this.timeout = b.timeout != null ? b.timeout : DEFAULT_TIMEOUT;
        this.connectTimeout = b.connectTimeout != null ? b.connectTimeout : DEFAULT_CONNECT_TIMEOUT;
        // A default overload bound never undercuts the timeout: a call may always use its whole silence budget.
        this.overloadTimeout = b.overloadTimeout != null ? b.overloadTimeout
                : timeout.compareTo(DEFAULT_OVERLOAD_TIMEOUT) > 0 ? timeout : DEFAULT_OVERLOAD_TIMEOUT;
        this.keyPrefix = b.keyPrefix != null ? b.keyPrefix : DEFAULT_KEY_PREFIX;
        this.verifyPeer = b.verifyPeer == null || b.verifyPeer;
        this.trustedCertificate = b.trustedCertificate;
        this.batching = b.batching == null || b.batching;
        this.batchSize = b.batchSize != null ? b.batchSize : DEFAULT_BATCH_SIZE;
        EnumSet<Option> given = EnumSet.noneOf(Option.class);
        addIf(given, Option.TIMEOUT, b.timeout);
        addIf(given, Option.CONNECT_TIMEOUT, b.connectTimeout);
        addIf(given, Option.OVERLOAD_TIMEOUT, b.overloadTimeout);
        addIf(given, Option.KEY_PREFIX, b.keyPrefix);
        addIf(given, Option.VERIFY_PEER, b.verifyPeer);
        addIf(given, Option.TRUSTED_CERTIFICATE, b.trustedCertificate);
        addIf(given, Option.BATCH, b.batching);
        addIf(given, Option.BATCH_SIZE, b.batchSize);
        this.explicit = Set.copyOf(given);
    }

    /** An empty builder: standalone, no host yet, every option at its default. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this description; options that were defaulted here stay defaulted (not explicit). */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.mode = mode;
        b.hosts.addAll(hosts);
        b.database = database;
        b.username = username;
        b.password = password;
        b.tls = tls;
        b.sentinelMasterId = sentinelMasterId;
        b.timeout = explicit.contains(Option.TIMEOUT) ? timeout : null;
        b.connectTimeout = explicit.contains(Option.CONNECT_TIMEOUT) ? connectTimeout : null;
        b.overloadTimeout = explicit.contains(Option.OVERLOAD_TIMEOUT) ? overloadTimeout : null;
        b.keyPrefix = explicit.contains(Option.KEY_PREFIX) ? keyPrefix : null;
        b.verifyPeer = explicit.contains(Option.VERIFY_PEER) ? verifyPeer : null;
        b.trustedCertificate = trustedCertificate;
        b.batching = explicit.contains(Option.BATCH) ? batching : null;
        b.batchSize = explicit.contains(Option.BATCH_SIZE) ? batchSize : null;
        return b;
    }

    /**
     * Parses a URL in one of the forms listed in the class comment; the options its query gives are
     * {@linkplain #isExplicit explicit}, the others defaulted.
     *
     * @throws RedisSettingsException naming the (redacted) URL and the part of it that is wrong
     */
    public static RedisConnectionSettings fromUrl(String url) {
        return RedisUrl.parse(url);
    }

    /**
     * Settings for one standalone server, as given by separate host, port, database, user and password settings.
     *
     * @param username null or empty for none (password-only AUTH)
     * @param password null or empty for none
     * @throws RedisSettingsException naming the field that is wrong
     */
    public static RedisConnectionSettings fromHostPort(String host, int port, int db, String username, String password,
            boolean tls) {
        return builder().host(host, port).database(db).username(username).password(password).tls(tls).build();
    }

    /**
     * A copy with another silence budget: how long Redis may stay silent, after a command was written, before the call
     * counts as a Redis failure. An explicit overload timeout is raised to it if it was smaller.
     */
    public RedisConnectionSettings withTimeout(Duration timeout) {
        Builder b = toBuilder().timeout(timeout);
        if (timeout != null && b.overloadTimeout != null && b.overloadTimeout.compareTo(timeout) < 0) {
            b.overloadTimeout(timeout);
        }
        return b.build();
    }

    /** A copy with another overload budget; see {@link #overloadTimeout()}. */
    public RedisConnectionSettings withOverloadTimeout(Duration overloadTimeout) {
        return toBuilder().overloadTimeout(overloadTimeout).build();
    }

    /** A copy with another connect time budget. */
    public RedisConnectionSettings withConnectTimeout(Duration connectTimeout) {
        return toBuilder().connectTimeout(connectTimeout).build();
    }

    /** A copy with another key prefix (1-64 characters of {@code [A-Za-z0-9._:-|]}). */
    public RedisConnectionSettings withKeyPrefix(String keyPrefix) {
        return toBuilder().keyPrefix(keyPrefix).build();
    }

    /**
     * A copy that trusts the certificate(s) in the PEM file {@code pemFile} (a CA or a self-signed server certificate)
     * instead of the JVM's default trust store when connecting over TLS; peer verification (chain and host name)
     * stays as configured, on by default. Null restores the JVM default.
     */
    public RedisConnectionSettings withTrustedCertificate(Path pemFile) {
        return toBuilder().trustedCertificate(pemFile).build();
    }

    /** True when {@code option} was given (by the URL or a builder call), false when it is the library default. */
    public boolean isExplicit(Option option) {
        return explicit.contains(option);
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

    /** How long Redis may stay silent after a command was written before the call counts as a Redis failure. */
    public Duration timeout() {
        return timeout;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    /**
     * The longest a call may wait in total while Redis keeps answering (so the delay is a queue, in this process or in
     * Redis, not a failure); then it fails with {@link io.tollgate.core.store.StoreOverloadedException}. At least the
     * timeout; by default {@link #DEFAULT_OVERLOAD_TIMEOUT} or the timeout if that is longer.
     */
    public Duration overloadTimeout() {
        return overloadTimeout;
    }

    public String keyPrefix() {
        return keyPrefix;
    }

    /**
     * Whether concurrent decisions on a standalone or Sentinel connection are coalesced into one script call each
     * (default true); false makes every decision its own call. Cluster connections are never batched (yet).
     */
    public boolean batching() {
        return batching;
    }

    /** The most decisions one script call carries when {@link #batching()}; default {@value #DEFAULT_BATCH_SIZE}. */
    public int batchSize() {
        return batchSize;
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
        return RedisUrl.redact(text);
    }

    @Override
    public String toString() {
        return "RedisConnectionSettings{" + describeNodes() + (username != null ? ", user=" + username : "")
                + (password != null ? ", password=***" : "") + ", timeout=" + timeout.toMillis() + "ms"
                + ", connectTimeout=" + connectTimeout.toMillis() + "ms, overloadTimeout=" + overloadTimeout.toMillis()
                + "ms, keyPrefix=" + keyPrefix
                + (trustedCertificate != null ? ", trustedCertificate=" + trustedCertificate : "")
                + (batching ? ", batchSize=" + batchSize : ", batch=false") + '}';
    }

    private static void addIf(Set<Option> set, Option option, Object value) {
        if (value != null) {
            set.add(option);
        }
    }

    /**
     * Collects a description and checks it as a whole in {@link #build()}, which throws a
     * {@link RedisSettingsException} naming the field that is wrong. An option left unset (or set to null) takes the
     * library default and is not {@linkplain RedisConnectionSettings#isExplicit explicit}.
     */
    public static final class Builder {
        private Mode mode = Mode.STANDALONE;
        private final List<HostAndPort> hosts = new ArrayList<>();
        private int database;
        private String username;
        private String password;
        private boolean tls;
        private String sentinelMasterId;
        private Duration timeout;
        private Duration connectTimeout;
        private Duration overloadTimeout;
        private String keyPrefix;
        private Boolean verifyPeer;
        private Path trustedCertificate;
        private Boolean batching;
        private Integer batchSize;
        // the first problem found while collecting (a bad host or port), reported by build() with the rest
        private RedisSettingsException pending;

        private Builder() {
        }

        /** Standalone (the default), Sentinel or Cluster. */
        public Builder mode(Mode mode) {
            this.mode = mode;
            return this;
        }

        /**
         * Adds a node: the server (standalone), a sentinel, or a cluster seed. An IPv6 address may come in brackets.
         */
        public Builder host(String host, int port) {
            String h = host != null && host.startsWith("[") && host.endsWith("]")
                    ? host.substring(1, host.length() - 1) : host;
            if (h == null || h.isBlank() || !HOST.matcher(h).matches()) {
                fail(RedisSettingsException.field("host", "must be a host name or IP address, got \"" + host + "\""));
            } else if (port < 1 || port > 65535) {
                fail(RedisSettingsException.field("port", "must be 1-65535, got " + port + " (host " + h + ")"));
            }
            hosts.add(new HostAndPort(h, port));
            return this;
        }

        /** Replaces the nodes. */
        public Builder hosts(List<HostAndPort> nodes) {
            hosts.clear();
            nodes.forEach(n -> host(n.host(), n.port()));
            return this;
        }

        /** Database index, 0 or more (standalone and Sentinel only). */
        public Builder database(int database) {
            this.database = database;
            return this;
        }

        /** ACL user name; null or empty for none (password-only AUTH). */
        public Builder username(String username) {
            this.username = emptyToNull(username);
            return this;
        }

        /** Password; null or empty for none. */
        public Builder password(String password) {
            this.password = emptyToNull(password);
            return this;
        }

        public Builder tls(boolean tls) {
            this.tls = tls;
            return this;
        }

        /** The master the sentinels monitor; required in Sentinel mode, rejected otherwise. */
        public Builder sentinelMasterId(String masterId) {
            this.sentinelMasterId = emptyToNull(masterId);
            return this;
        }

        /** See {@link RedisConnectionSettings#timeout()}; null for the default ({@link #DEFAULT_TIMEOUT}). */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Connect budget; null for the default ({@link #DEFAULT_CONNECT_TIMEOUT}). */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        /** See {@link RedisConnectionSettings#overloadTimeout()}; null for the default. */
        public Builder overloadTimeout(Duration overloadTimeout) {
            this.overloadTimeout = overloadTimeout;
            return this;
        }

        /** 1-64 characters of {@code [A-Za-z0-9._:-|]}; null for the default ({@link #DEFAULT_KEY_PREFIX}). */
        public Builder keyPrefix(String keyPrefix) {
            this.keyPrefix = keyPrefix;
            return this;
        }

        /** False turns TLS certificate checks off (tests only); null for the default (on). */
        public Builder verifyPeer(Boolean verifyPeer) {
            this.verifyPeer = verifyPeer;
            return this;
        }

        /** See {@link RedisConnectionSettings#withTrustedCertificate}; null for the JVM's trust store. */
        public Builder trustedCertificate(Path pemFile) {
            this.trustedCertificate = pemFile;
            return this;
        }

        /** See {@link RedisConnectionSettings#batching()}; null for the default (true). */
        public Builder batching(Boolean batching) {
            this.batching = batching;
            return this;
        }

        /** See {@link RedisConnectionSettings#batchSize()}: 1-1024; null for the default. */
        public Builder batchSize(Integer batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** @throws RedisSettingsException naming the first field that is wrong */
        public RedisConnectionSettings build() {
            if (pending != null) {
                throw pending;
            }
            if (mode == null) {
                throw RedisSettingsException.field("mode", "must be standalone, sentinel or cluster, got null");
            }
            if (hosts.isEmpty()) {
                throw RedisSettingsException.field("hosts", "must name at least one host");
            }
            if (mode == Mode.STANDALONE && hosts.size() != 1) {
                throw RedisSettingsException.field("hosts", "must be exactly one host for a standalone server, got "
                        + hosts.size() + "; use cluster or sentinel mode for several");
            }
            if (database < 0) {
                throw RedisSettingsException.field("database", "must be 0 or greater, got " + database);
            }
            if (mode == Mode.CLUSTER && database != 0) {
                throw RedisSettingsException.field("database", "must be 0: Redis Cluster has only database 0, got "
                        + database);
            }
            if (mode == Mode.SENTINEL && sentinelMasterId == null) {
                throw RedisSettingsException.field("sentinelMasterId", "is required in Sentinel mode");
            }
            if (mode != Mode.SENTINEL && sentinelMasterId != null) {
                throw RedisSettingsException.field("sentinelMasterId", "is only for Sentinel mode");
            }
            positive("timeout", timeout);
            positive("connectTimeout", connectTimeout);
            positive("overloadTimeout", overloadTimeout);
            Duration effectiveTimeout = timeout != null ? timeout : DEFAULT_TIMEOUT;
            if (overloadTimeout != null && overloadTimeout.compareTo(effectiveTimeout) < 0) {
                throw RedisSettingsException.field("overloadTimeout", "(" + overloadTimeout.toMillis()
                        + " ms) must be at least the timeout (" + effectiveTimeout.toMillis() + " ms)");
            }
            if (keyPrefix != null && !PREFIX.matcher(keyPrefix).matches()) {
                throw RedisSettingsException.field("keyPrefix", "must be 1-64 characters of [A-Za-z0-9._:-|], got \""
                        + keyPrefix + "\"");
            }
            if (batchSize != null && (batchSize < 1 || batchSize > MAX_BATCH_SIZE)) {
                throw RedisSettingsException.field("batchSize", "must be 1-" + MAX_BATCH_SIZE + ", got " + batchSize);
            }
            return new RedisConnectionSettings(this);
        }

        private void fail(RedisSettingsException e) {
            if (pending == null) {
                pending = e;
            }
        }

        private static void positive(String name, Duration d) {
            if (d != null && (d.isNegative() || d.isZero())) {
                throw RedisSettingsException.field(name, "must be positive, got " + d.toMillis() + " ms");
            }
        }
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
