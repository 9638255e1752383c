package io.tollgate.spring;

import io.tollgate.redis.RedisConnectionSettings;
import io.tollgate.redis.RedisSettingsException;
import java.time.Duration;
import java.util.Map;

/**
 * Turns {@code tollgate.redis.*} into {@link RedisConnectionSettings}, naming the property on every problem.
 *
 * <p>Precedence of the timeouts and the key prefix: a property that is set wins; otherwise the URL's query option
 * ({@code timeout}, {@code connectTimeout}, {@code overloadTimeout}, {@code prefix}); otherwise the library default
 * ({@link RedisConnectionSettings#DEFAULT_TIMEOUT} and friends).
 */
final class RedisSettings {

    /** Builder field of each overridable option, and the property that overrides it. */
    private static final Map<String, String> PROPERTY_OF_FIELD = Map.of(
            "timeout", "tollgate.redis.timeout",
            "connectTimeout", "tollgate.redis.connect-timeout",
            "overloadTimeout", "tollgate.redis.overload-timeout",
            "keyPrefix", "tollgate.redis.key-prefix");

    /** Where a budget comes from when the address cannot be used (it is only read by the Redis store). */
    private static final RedisConnectionSettings NO_ADDRESS = RedisConnectionSettings.fromHostPort("localhost", 6379, 0,
            null, null, false);

    private RedisSettings() {
    }

    /**
     * Checked whatever the store, because the timeouts also bound the Servlet filter's wait and the health check: the
     * properties that are set are positive and consistent with each other.
     */
    static void checkTimeouts(TollgateProperties.Redis r) {
        positive("tollgate.redis.timeout", r.getTimeout());
        positive("tollgate.redis.connect-timeout", r.getConnectTimeout());
        positive("tollgate.redis.overload-timeout", r.getOverloadTimeout());
        withProperties(NO_ADDRESS, r, false);
    }

    /**
     * How long a caller may wait for one store call in the worst case: the overload timeout in force (a queue) plus
     * the timeout in force (a silent Redis at its end), plus a margin. Backstops the Servlet filter and bounds the
     * health check. The connection-details bean is the one in force when there is one (an application's own
     * included); without it (another store) the properties and defaults decide.
     */
    static Duration callBudget(TollgateProperties.Redis r, RedisConnectionSettings inForce) {
        if (inForce != null) {
            return callBudget(inForce);
        }
        RedisConnectionSettings s;
        try {
            s = from(r);
        } catch (TollgateConfigurationException e) {
            // A bad address fails startup in the Redis store's own bean; with the in-memory store it is never used.
            s = withProperties(NO_ADDRESS, r, false);
        }
        return callBudget(s);
    }

    static Duration callBudget(TollgateProperties.Redis r) {
        return callBudget(r, null);
    }

    private static Duration callBudget(RedisConnectionSettings s) {
        return s.overloadTimeout().plus(s.timeout()).plusMillis(250);
    }

    /** The connection description in force: the URL (or host/port fields) with the properties that are set on top. */
    static RedisConnectionSettings from(TollgateProperties.Redis r) {
        checkTimeouts(r);
        boolean byUrl = r.getUrl() != null && !r.getUrl().isBlank();
        RedisConnectionSettings address;
        if (byUrl) {
            try {
                address = RedisConnectionSettings.fromUrl(r.getUrl());
            } catch (IllegalArgumentException e) {
                throw new TollgateConfigurationException("tollgate.redis.url", RedisConnectionSettings.redact(r.getUrl()),
                        e.getMessage(), e);
            }
        } else {
            String host = r.getHost() == null || r.getHost().isBlank() ? "localhost" : r.getHost();
            try {
                address = RedisConnectionSettings.fromHostPort(host, r.getPort(), r.getDatabase(), r.getUsername(),
                        r.getPassword(), r.isSsl());
            } catch (IllegalArgumentException e) {
                throw new TollgateConfigurationException("tollgate.redis.host/port/database",
                        host + ":" + r.getPort() + "/" + r.getDatabase(), e.getMessage(), e);
            }
        }
        return withProperties(address, r, byUrl);
    }

    /** {@code base} with each property that is set replacing the URL's option or the default. */
    private static RedisConnectionSettings withProperties(RedisConnectionSettings base, TollgateProperties.Redis r,
            boolean byUrl) {
        RedisConnectionSettings.Builder b = base.toBuilder();
        if (r.getTimeout() != null) {
            b.timeout(r.getTimeout());
        }
        if (r.getConnectTimeout() != null) {
            b.connectTimeout(r.getConnectTimeout());
        }
        if (r.getOverloadTimeout() != null) {
            b.overloadTimeout(r.getOverloadTimeout());
        }
        if (r.getKeyPrefix() != null) {
            b.keyPrefix(r.getKeyPrefix());
        }
        try {
            return b.build();
        } catch (RedisSettingsException e) {
            // Name the property if one was set for the field, else the URL whose option it came from.
            String property = PROPERTY_OF_FIELD.get(e.field());
            String value = property == null ? null : valueOf(property, r);
            if (value == null && byUrl) {
                throw new TollgateConfigurationException("tollgate.redis.url", RedisConnectionSettings.redact(r.getUrl()),
                        e.getMessage(), e);
            }
            if (property == null || value == null) {
                throw new TollgateConfigurationException("tollgate.redis", base.describeNodes(), e.getMessage(), e);
            }
            if (property.equals("tollgate.redis.overload-timeout") && r.getTimeout() != null) {
                throw new TollgateConfigurationException(property, value, "must be at least tollgate.redis.timeout ("
                        + r.getTimeout().toMillis() + " ms)", e);
            }
            throw new TollgateConfigurationException(property, value, e.getMessage(), e);
        }
    }

    private static String valueOf(String property, TollgateProperties.Redis r) {
        Object v = switch (property) {
            case "tollgate.redis.timeout" -> r.getTimeout();
            case "tollgate.redis.connect-timeout" -> r.getConnectTimeout();
            case "tollgate.redis.overload-timeout" -> r.getOverloadTimeout();
            default -> r.getKeyPrefix();
        };
        return v == null ? null : v.toString();
    }

    private static void positive(String property, Duration d) {
        if (d != null && (d.isNegative() || d.isZero())) {
            throw new TollgateConfigurationException(property, String.valueOf(d), "must be a positive duration");
        }
    }
}
