package io.tollgate.server.config;

import io.tollgate.core.rules.FailurePolicy;
import io.tollgate.redis.RedisConnectionSettings;
import io.tollgate.redis.RedisSettingsException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The one table of the server's environment variables: each names the Spring property it sets and how its value is
 * checked and converted. It serves both directions: {@link ServerSettings} maps {@code .env} and the environment to
 * properties, and {@link TollgateVariablesFailureAnalyzer} maps a failing {@code tollgate.*} property back to the
 * variable an operator sets ({@link #variableFor}).
 *
 * <p>Declaration order is the order {@code .env.example} documents them.
 */
public enum ServerVariable {

    PORT("server.port", v -> v.intInRange(0, 65535, "a TCP port from 0 to 65535 (0 picks a free port)")),
    // the starter reports rule problems under tollgate.rules.*, whether the rules came from the file or not
    RATE_LIMIT_RULES_PATH("tollgate.rules-file", List.of("tollgate.rules"), false, VariableValue::raw),
    REDIS_URL("tollgate.redis.url", List.of(), true, ServerVariable::redisUrl),
    REDIS_HOST("tollgate.redis.host", List.of(), true, v -> {
        if (!Hosts.PATTERN.matcher(v.raw()).matches()) {
            throw v.invalid("a host name or IP address such as localhost, redis or 10.0.0.5");
        }
        return v.raw();
    }),
    REDIS_PORT("tollgate.redis.port", List.of(), true,
            v -> v.intInRange(1, 65535, "a TCP port from 1 to 65535, usually 6379")),
    REDIS_DB("tollgate.redis.database", List.of(), true,
            v -> v.intInRange(0, Integer.MAX_VALUE, "a Redis database number, 0 or more (usually 0 to 15)")),
    REDIS_PASSWORD("tollgate.redis.password", List.of(), true, VariableValue::raw),
    REDIS_USERNAME("tollgate.redis.username", List.of(), true, VariableValue::raw),
    REDIS_TLS("tollgate.redis.ssl", List.of(), true, VariableValue::bool),
    REDIS_REQUIRED_AT_STARTUP("tollgate.redis.required-at-startup", VariableValue::bool),
    TRUSTED_PROXIES("tollgate.trusted-proxies", ServerSettings::cidrs),
    LOG_FORMAT("logging.structured.format.console", v -> switch (v.raw().toLowerCase(Locale.ROOT)) {
        case "json" -> "ecs";
        case "text", "plain", "console" -> null; // Spring Boot's readable default: nothing to set
        default -> throw v.invalid("\"text\" (readable console lines, the default) or \"json\" (one JSON object per"
                + " line)");
    }),
    MASK_CLIENT_KEYS("tollgate.log.mask-keys", VariableValue::bool),
    FAILURE_POLICY("tollgate.failure-policy", v -> {
        try {
            return FailurePolicy.parse(v.raw()).label();
        } catch (IllegalArgumentException e) {
            throw v.invalid("one of fail-open (the default: open, but each client held to its own limit per instance),"
                    + " fail-open-unbounded, fail-closed or local");
        }
    }),
    EXPECTED_INSTANCES("tollgate.expected-instances",
            v -> v.intInRange(1, 10_000, "a whole number of instances from 1 to 10000"));

    private final String property;
    private final List<String> alsoReportedAs;
    private final boolean redisAddress;
    private final Function<VariableValue, Object> convert;

    ServerVariable(String property, Function<VariableValue, Object> convert) {
        this(property, List.of(), false, convert);
    }

    /**
     * @param alsoReportedAs other properties (and their sub-properties) whose failures this variable is the fix for
     * @param redisAddress   one of the variables that say where Redis is, named together for a failure of
     *                       {@code tollgate.redis} as a whole
     */
    ServerVariable(String property, List<String> alsoReportedAs, boolean redisAddress,
            Function<VariableValue, Object> convert) {
        this.property = property;
        this.alsoReportedAs = alsoReportedAs;
        this.redisAddress = redisAddress;
        this.convert = convert;
    }

    /** The Spring property this variable sets. */
    public String property() {
        return property;
    }

    /** True for values never to be echoed in an error message. */
    boolean secret() {
        return this == REDIS_PASSWORD || this == REDIS_URL;
    }

    /**
     * The checked property value, or null when the value sets nothing (such as {@code LOG_FORMAT=text}).
     *
     * @throws ServerConfigException naming the variable, where it came from and what is accepted
     */
    Object convert(VariableValue value) {
        return convert.apply(value);
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
            if (covers(v.property, property) || v.alsoReportedAs.stream().anyMatch(p -> covers(p, property))) {
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

    /** The same parser the starter uses, so what passes here connects there (Sentinel and Cluster forms included). */
    private static Object redisUrl(VariableValue v) {
        try {
            RedisConnectionSettings.fromUrl(v.raw());
            return v.raw();
        } catch (IllegalArgumentException e) {
            String reason = e instanceof RedisSettingsException r ? r.reason() : "it does not parse";
            throw v.invalid("a Redis URL such as redis://host:6379/0, rediss://user:password@host:6380/0,"
                    + " redis-sentinel://host1:26379,host2:26379#mymaster or redis-cluster://host1:7000,host2:7001 ("
                    + reason + ")");
        }
    }

    private static final class Hosts {
        static final Pattern PATTERN = Pattern.compile("[A-Za-z0-9._:\\[\\]-]+");
    }
}
