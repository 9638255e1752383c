package io.tollgate.server.config;

import io.tollgate.core.rules.FailurePolicy;
import io.tollgate.redis.RedisConnectionSettings;
import io.tollgate.redis.RedisSettingsException;
import io.tollgate.server.config.EnvoyRedisAddress.Credentials;
import java.math.BigDecimal;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The one table of the server's environment variables: each names the Spring property it sets and how its value is
 * checked and converted. It serves both directions: {@link ServerSettings} maps {@code .env} and the environment to
 * properties, and {@link TollgateVariablesFailureAnalyzer} maps a failing {@code tollgate.*} property back to the
 * variable an operator sets ({@link #variableFor}).
 *
 * <p>Besides Tollgate's own variables the table holds envoyproxy/ratelimit's, so that an environment written for that
 * service works unchanged: those Tollgate honours set {@code tollgate.envoy.*} and friends; a few whose ignoring would
 * silently change the limits ({@code BACKEND_TYPE=memcache}, {@code MERGE_DOMAIN_CONFIG=true}, ...) fail start-up
 * saying what Tollgate does instead; the rest are unknown here and so ignored.
 *
 * <p>Most variables set one property. The Redis address is a group whose members mean something together, so a
 * conversion may read the other variables' values ({@link VariableValue#other}): {@code REDIS_URL} is read according to
 * {@code REDIS_TYPE}, {@code REDIS_TLS} and {@code REDIS_AUTH}, and {@code REDIS_AUTH}, {@code REDIS_TYPE} and
 * {@code REDIS_SOCKET_TYPE} have no property of their own ({@link #property()} is null).
 *
 * <p>Declaration order is the order {@code .env.example} documents them.
 */
public enum ServerVariable {

    PORT("server.port", v -> v.intInRange(0, 65535, "a TCP port from 0 to 65535 (0 picks a free port)")),
    // the starter reports rule problems under tollgate.rules.*, whether the rules came from the file or not
    RATE_LIMIT_RULES_PATH("tollgate.rules-file", List.of("tollgate.rules"), false, VariableValue::raw),
    REDIS_URL("tollgate.redis.url", List.of(), true, ServerVariable::redisUrl),
    REDIS_HOST("tollgate.redis.host", List.of(), true,
            v -> host(v, "a host name or IP address such as localhost, redis or 10.0.0.5")),
    REDIS_PORT("tollgate.redis.port", List.of(), true,
            v -> v.intInRange(1, 65535, "a TCP port from 1 to 65535, usually 6379")),
    REDIS_DB("tollgate.redis.database", List.of(), true,
            v -> v.intInRange(0, Integer.MAX_VALUE, "a Redis database number, 0 or more (usually 0 to 15)")),
    REDIS_PASSWORD("tollgate.redis.password", List.of(), true, VariableValue::raw),
    REDIS_USERNAME("tollgate.redis.username", List.of(), true, VariableValue::raw),
    REDIS_TLS("tollgate.redis.ssl", List.of(), true, VariableValue::bool),
    REDIS_REQUIRED_AT_STARTUP("tollgate.redis.required-at-startup", VariableValue::bool),
    FAILURE_POLICY("tollgate.failure-policy", v -> {
        try {
            return FailurePolicy.parse(v.raw()).label();
        } catch (IllegalArgumentException e) {
            throw v.invalid("one of fail-open (the default: open, but each client held to its own limit per instance),"
                    + " fail-open-unbounded, fail-closed or local");
        }
    }),
    EXPECTED_INSTANCES("tollgate.expected-instances",
            v -> v.intInRange(1, 10_000, "a whole number of instances from 1 to 10000")),
    TRUSTED_PROXIES("tollgate.trusted-proxies", ServerSettings::cidrs),
    LOG_FORMAT("logging.structured.format.console", v -> switch (v.raw().toLowerCase(Locale.ROOT)) {
        case "json" -> "ecs";
        case "text", "plain", "console" -> null; // Spring Boot's readable default: nothing to set
        default -> throw v.invalid("\"text\" (readable console lines, the default) or \"json\" (one JSON object per"
                + " line)");
    }),
    MASK_CLIENT_KEYS("tollgate.log.mask-keys", VariableValue::bool),

    // envoyproxy/ratelimit's variables, with its names and value syntax
    GRPC_PORT("tollgate.envoy.grpc-port", v -> v.intInRange(0, 65535, "a TCP port from 0 to 65535 (0 picks a free"
            + " port)")),
    GRPC_HOST("tollgate.envoy.grpc-host", v -> host(v, "a host name or IP address to listen on, such as 0.0.0.0 (every"
            + " IPv4 interface), :: or 127.0.0.1")),
    RUNTIME_ROOT("tollgate.envoy.runtime-root", v -> {
        try {
            Path.of(v.raw());
            return v.raw();
        } catch (InvalidPathException e) {
            throw v.invalid("a directory path such as /srv/runtime_data/current");
        }
    }),
    RUNTIME_SUBDIRECTORY("tollgate.envoy.runtime-subdirectory", v -> relativePath(v, "RUNTIME_ROOT", "ratelimit")),
    RUNTIME_APPDIRECTORY("tollgate.envoy.runtime-app-directory", v -> relativePath(v, "RUNTIME_SUBDIRECTORY", "config")),
    RUNTIME_IGNOREDOTFILES("tollgate.envoy.runtime-ignore-dot-files", VariableValue::bool),
    // Checked, then ignored: Tollgate polls the folder, which sees both a swap of the root symlink and an edit in place.
    RUNTIME_WATCH_ROOT(false, (v, properties) -> v.bool()),
    SHADOW_MODE("tollgate.envoy.shadow-mode", VariableValue::bool),
    LIMIT_RESPONSE_HEADERS_ENABLED("tollgate.envoy.response-headers", VariableValue::bool),
    NEAR_LIMIT_RATIO("tollgate.envoy.near-limit-ratio", ServerVariable::nearLimitRatio),
    CACHE_KEY_PREFIX("tollgate.redis.key-prefix", ServerVariable::keyPrefix),
    LOG_LEVEL("logging.level.root", v -> switch (v.raw().toLowerCase(Locale.ROOT)) {
        case "trace" -> "TRACE";
        case "debug" -> "DEBUG";
        case "info" -> "INFO";
        case "warn", "warning" -> "WARN";
        case "error", "fatal", "panic" -> "ERROR"; // logrus' fatal and panic log an error, then end the process
        default -> throw v.invalid("one of trace, debug, info, warn (or warning), error, fatal or panic, in any case"
                + " (envoyproxy/ratelimit's logrus levels)");
    }),
    REDIS_TYPE(true, (v, properties) -> {
        // REDIS_URL's conversion reads it too; checked here as well so that it fails without REDIS_URL
        EnvoyRedisAddress.Type type = redisType(v);
        if (type != EnvoyRedisAddress.Type.SINGLE && v.other(REDIS_URL) == null) {
            throw v.invalid("single (or unset) unless REDIS_URL gives the " + type + " nodes as " + type.form()
                    + "; REDIS_URL is not set, and REDIS_HOST names one standalone server");
        }
    }),
    REDIS_SOCKET_TYPE(false, (v, properties) -> socketType(v)),
    REDIS_AUTH(true, ServerVariable::redisAuth),
    BACKEND_TYPE(false, (v, properties) -> {
        switch (v.raw().toLowerCase(Locale.ROOT)) {
            case "redis" -> {
                // Tollgate's own rule decides: Redis when REDIS_URL or REDIS_HOST is set, else memory
            }
            case "memcache" -> throw v.unsupported("Tollgate has no Memcached backend; it keeps buckets in Redis (set"
                    + " REDIS_URL) or, with no Redis configured, in memory, one set of limits per instance");
            default -> throw v.invalid("redis (the only backend Tollgate shares with envoyproxy/ratelimit; unset,"
                    + " Redis is used when REDIS_URL or REDIS_HOST is set and memory otherwise)");
        }
    }),
    CONFIG_TYPE(false, (v, properties) -> {
        switch (v.raw().toUpperCase(Locale.ROOT)) {
            case "FILE" -> {
                // the only kind Tollgate has
            }
            case "GRPC_XDS_SOTW" -> throw v.unsupported("Tollgate reads the rate-limit configuration from YAML files"
                    + " under RUNTIME_ROOT only, not from an xDS server; write the configuration there and set"
                    + " CONFIG_TYPE=FILE");
            default -> throw v.invalid("FILE (the only configuration source Tollgate has: YAML files under"
                    + " RUNTIME_ROOT)");
        }
    }),
    MERGE_DOMAIN_CONFIG(false, (v, properties) -> {
        if (v.bool()) {
            throw v.unsupported("Tollgate never merges configuration files: a domain defined in two files is an"
                    + " error; put each domain in one file and set MERGE_DOMAIN_CONFIG=false");
        }
    }),
    REDIS_PERSECOND(false, (v, properties) -> {
        if (v.bool()) {
            throw v.unsupported("Tollgate keeps every limit, per-second ones included, in the one Redis of REDIS_URL;"
                    + " set REDIS_PERSECOND=false (the REDIS_PERSECOND_* variables are ignored)");
        }
    });

    /** How one variable's value becomes properties: none, its own {@link #property()}, or several. */
    @FunctionalInterface
    interface Conversion {
        /**
         * Checks {@code value} and puts the properties it stands for into {@code properties}.
         *
         * @throws ServerConfigException naming the variable, where it came from and what is accepted
         */
        void apply(VariableValue value, Map<String, Object> properties);
    }

    private final String property;
    private final List<String> alsoReportedAs;
    private final boolean redisAddress;
    private final Conversion conversion;

    ServerVariable(String property, Function<VariableValue, Object> convert) {
        this(property, List.of(), false, convert);
    }

    /**
     * A variable that sets its one property, to the converted value (nothing when that is null).
     *
     * @param alsoReportedAs other properties (and their sub-properties) whose failures this variable is the fix for
     * @param redisAddress   one of the variables that say where Redis is, named together for a failure of
     *                       {@code tollgate.redis} as a whole
     */
    ServerVariable(String property, List<String> alsoReportedAs, boolean redisAddress,
            Function<VariableValue, Object> convert) {
        this(property, alsoReportedAs, redisAddress, (v, properties) -> {
            Object converted = convert.apply(v);
            if (converted != null) {
                properties.put(property, converted);
            }
        });
    }

    /** A variable with no property of its own: only checked, read by another's conversion, or setting others. */
    ServerVariable(boolean redisAddress, Conversion conversion) {
        this(null, List.of(), redisAddress, conversion);
    }

    private ServerVariable(String property, List<String> alsoReportedAs, boolean redisAddress, Conversion conversion) {
        this.property = property;
        this.alsoReportedAs = alsoReportedAs;
        this.redisAddress = redisAddress;
        this.conversion = conversion;
    }

    /** The Spring property this variable sets, or null when it has none of its own (see the class comment). */
    public String property() {
        return property;
    }

    /** True for values never to be echoed in an error message. */
    boolean secret() {
        return this == REDIS_PASSWORD || this == REDIS_URL || this == REDIS_AUTH;
    }

    /**
     * Checks {@code value} and puts the properties it stands for into {@code properties}: usually
     * {@link #property()}, nothing for a value that sets nothing (such as {@code LOG_FORMAT=text}).
     *
     * @throws ServerConfigException naming the variable, where it came from and what is accepted
     */
    void convert(VariableValue value, Map<String, Object> properties) {
        conversion.apply(value, properties);
    }

    /** Every variable's name, in table order. */
    public static List<String> names() {
        return Arrays.stream(values()).map(Enum::name).toList();
    }

    /**
     * The server variable(s) an operator sets to fix a failing starter property, or {@code null} when the server has
     * none for it: the variable whose property is {@code property} or a parent of it, else, for any other
     * {@code tollgate.redis} property, the variables that say where Redis is.
     */
    public static String variableFor(String property) {
        if (property == null) {
            return null;
        }
        for (ServerVariable v : values()) {
            if ((v.property != null && covers(v.property, property))
                    || v.alsoReportedAs.stream().anyMatch(p -> covers(p, property))) {
                return v.name();
            }
        }
        if (covers("tollgate.redis", property) || property.startsWith("tollgate.redis.")) {
            List<String> address = Arrays.stream(values()).filter(v -> v.redisAddress).map(Enum::name).toList();
            return address.get(0) + " or " + address.stream().skip(1).collect(Collectors.joining(" / "));
        }
        return null;
    }

    /** {@code parent} itself, or a property below it ({@code parent.x}, {@code parent[0]}). */
    private static boolean covers(String parent, String property) {
        return property.equals(parent) || property.startsWith(parent + ".") || property.startsWith(parent + "[");
    }

    private static String host(VariableValue v, String expected) {
        if (!Hosts.PATTERN.matcher(v.raw()).matches()) {
            throw v.invalid(expected);
        }
        return v.raw();
    }

    /**
     * A REDIS_URL with a scheme is checked by the same parser the starter uses, so what passes here connects there
     * (Sentinel and Cluster forms included); one without is envoyproxy/ratelimit's form ({@link EnvoyRedisAddress}),
     * turned into such a URL. REDIS_AUTH's credentials go into the URL either way: with a URL the starter reads them
     * from nowhere else.
     */
    private static Object redisUrl(VariableValue v) {
        VariableValue socket = v.other(REDIS_SOCKET_TYPE);
        if (socket != null) {
            socketType(socket); // first: with unix, REDIS_URL is a socket path, and that message says what to do
        }
        VariableValue type = v.other(REDIS_TYPE);
        EnvoyRedisAddress.Type t = type == null ? EnvoyRedisAddress.Type.SINGLE : redisType(type);
        VariableValue auth = v.other(REDIS_AUTH);
        Credentials credentials = auth == null ? null : credentials(auth);
        if (!EnvoyRedisAddress.hasScheme(v.raw())) {
            return envoyRedisUrl(v, type, t, credentials);
        }
        RedisConnectionSettings settings = parseRedisUrl(v, v.raw(), "a Redis URL such as redis://host:6379/0,"
                + " rediss://user:password@host:6380/0, redis-sentinel://host1:26379,host2:26379#mymaster or"
                + " redis-cluster://host1:7000,host2:7001, or envoyproxy/ratelimit's host:port");
        if (t != EnvoyRedisAddress.Type.SINGLE && settings.mode() != t.mode()) {
            throw type.conflictsWith(v, "REDIS_TYPE=" + t + " says the nodes are " + t.mode().name()
                    .toLowerCase(Locale.ROOT) + " but the URL's scheme says " + settings.mode().name()
                    .toLowerCase(Locale.ROOT) + "; with a scheme the URL alone gives the mode, so unset REDIS_TYPE or"
                    + " make them agree (or give REDIS_URL as " + t.form() + ")");
        }
        if (credentials == null) {
            return v.raw();
        }
        if (settings.username() != null || settings.hasPassword()) {
            throw auth.conflictsWith(v, "both give the Redis credentials; keep them in one place");
        }
        return EnvoyRedisAddress.withCredentials(v.raw(), credentials);
    }

    private static String envoyRedisUrl(VariableValue v, VariableValue type, EnvoyRedisAddress.Type t,
            Credentials credentials) {
        VariableValue tls = v.other(REDIS_TLS);
        String expected = (type == null ? "with REDIS_TYPE unset (single)" : "with REDIS_TYPE=" + t) + ", "
                + t.form() + " (envoyproxy/ratelimit's form), or a Redis URL with a scheme such as redis://host:6379,"
                + " redis-sentinel://host1:26379,host2:26379#mymaster or redis-cluster://host1:7000,host2:7001";
        String url;
        try {
            url = EnvoyRedisAddress.toUrl(v.raw(), t, tls != null && tls.bool(), credentials);
        } catch (IllegalArgumentException e) {
            throw v.invalid(expected + " (" + e.getMessage() + ")");
        }
        parseRedisUrl(v, url, expected);
        return url;
    }

    /** {@code url} parsed by the starter's parser; a failure names REDIS_URL, {@code expected} and the reason. */
    private static RedisConnectionSettings parseRedisUrl(VariableValue v, String url, String expected) {
        try {
            return RedisConnectionSettings.fromUrl(url);
        } catch (IllegalArgumentException e) {
            String reason = e instanceof RedisSettingsException r ? r.reason() : "it does not parse";
            throw v.invalid(expected + " (" + reason + ")");
        }
    }

    private static EnvoyRedisAddress.Type redisType(VariableValue v) {
        try {
            return EnvoyRedisAddress.Type.parse(v.raw());
        } catch (IllegalArgumentException e) {
            throw v.invalid("single (the default), sentinel or cluster, in any case");
        }
    }

    private static void socketType(VariableValue v) {
        switch (v.raw().toLowerCase(Locale.ROOT)) {
            case "tcp" -> {
                // what Tollgate does anyway; envoyproxy/ratelimit's default is unix, Tollgate's (unset) is tcp
            }
            case "unix" -> throw v.unsupported("Tollgate connects to Redis over TCP only; set REDIS_SOCKET_TYPE=tcp and"
                    + " REDIS_URL=host:port");
            default -> throw v.invalid("tcp (Tollgate connects to Redis over TCP only)");
        }
    }

    private static Credentials credentials(VariableValue auth) {
        try {
            return Credentials.parse(auth.raw());
        } catch (IllegalArgumentException e) {
            throw auth.invalid("a password, or user:password with a non-empty password");
        }
    }

    /**
     * REDIS_AUTH replaces REDIS_USERNAME and REDIS_PASSWORD: with REDIS_URL it goes into the URL (see
     * {@link #redisUrl}), without it sets their properties for the REDIS_HOST form.
     */
    private static void redisAuth(VariableValue v, Map<String, Object> properties) {
        for (ServerVariable other : List.of(REDIS_PASSWORD, REDIS_USERNAME)) {
            VariableValue o = v.other(other);
            if (o != null) {
                throw v.conflictsWith(o, "both give the Redis credentials; use REDIS_AUTH (password or user:password)"
                        + " or REDIS_USERNAME and REDIS_PASSWORD, not both");
            }
        }
        Credentials credentials = credentials(v);
        if (v.other(REDIS_URL) != null) {
            return;
        }
        if (credentials.username() != null) {
            properties.put(REDIS_USERNAME.property(), credentials.username());
        }
        properties.put(REDIS_PASSWORD.property(), credentials.password());
    }

    private static Object nearLimitRatio(VariableValue v) {
        try {
            BigDecimal ratio = new BigDecimal(v.raw());
            if (ratio.signum() > 0 && ratio.compareTo(BigDecimal.ONE) <= 0) {
                return ratio.doubleValue();
            }
        } catch (NumberFormatException ignored) {
            // reported below, with the accepted range
        }
        throw v.invalid("a decimal above 0 and at most 1, such as 0.8 (the default)");
    }

    /** Checked by the Redis library's own rule for key prefixes, so what passes here is what the store accepts. */
    private static Object keyPrefix(VariableValue v) {
        try {
            RedisConnectionSettings.fromHostPort("localhost", 6379, 0, null, null, false).withKeyPrefix(v.raw());
            return v.raw();
        } catch (RedisSettingsException e) {
            throw v.invalid("a Redis key prefix such as ratelimit (" + e.reason() + ")");
        }
    }

    /**
     * A path below the folder {@code base} names. A leading '/' is dropped: envoyproxy/ratelimit joins the two with
     * Go's filepath.Join, for which it does not make the path absolute. '..' is refused, as it could leave the folder
     * under RUNTIME_ROOT that is watched.
     */
    private static String relativePath(VariableValue v, String base, String example) {
        String s = v.raw();
        while (s.startsWith("/")) {
            s = s.substring(1);
        }
        String expected = "a path relative to " + base + " such as " + example + ", without '..'";
        try {
            for (Path part : Path.of(s)) {
                if (part.toString().equals("..")) {
                    throw v.invalid(expected);
                }
            }
        } catch (InvalidPathException e) {
            throw v.invalid(expected);
        }
        return s;
    }

    private static final class Hosts {
        static final Pattern PATTERN = Pattern.compile("[A-Za-z0-9._:\\[\\]-]+");
    }
}
