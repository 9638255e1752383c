package io.tollgate.spring;

import io.tollgate.redis.RedisConnectionSettings;
import java.time.Duration;

/** Turns {@code tollgate.redis.*} into {@link RedisConnectionSettings}, naming the property on every problem. */
final class RedisSettings {

    private RedisSettings() {
    }

    /** Checked whatever the store: the timeout also bounds the Servlet filter's wait and the health check. */
    static void checkTimeouts(TollgateProperties.Redis r) {
        positive("tollgate.redis.timeout", r.getTimeout());
        positive("tollgate.redis.connect-timeout", r.getConnectTimeout());
        if (r.getOverloadTimeout() == null) {
            return;
        }
        positive("tollgate.redis.overload-timeout", r.getOverloadTimeout());
        if (r.getOverloadTimeout().compareTo(r.getTimeout()) < 0) {
            throw new TollgateConfigurationException("tollgate.redis.overload-timeout",
                    r.getOverloadTimeout().toString(), "must be at least tollgate.redis.timeout ("
                    + r.getTimeout().toMillis() + " ms)");
        }
    }

    /** The overload timeout in force: the property, else 2 s or the timeout if that is longer. */
    static Duration overloadTimeout(TollgateProperties.Redis r) {
        if (r.getOverloadTimeout() != null) {
            return r.getOverloadTimeout();
        }
        Duration fallback = RedisConnectionSettings.DEFAULT_OVERLOAD_TIMEOUT;
        return r.getTimeout() != null && r.getTimeout().compareTo(fallback) > 0 ? r.getTimeout() : fallback;
    }

    static RedisConnectionSettings from(TollgateProperties.Redis r) {
        checkTimeouts(r);
        RedisConnectionSettings s;
        if (r.getUrl() != null && !r.getUrl().isBlank()) {
            try {
                s = RedisConnectionSettings.fromUrl(r.getUrl());
            } catch (IllegalArgumentException e) {
                throw new TollgateConfigurationException("tollgate.redis.url", RedisConnectionSettings.redact(r.getUrl()),
                        e.getMessage(), e);
            }
        } else {
            String host = r.getHost() == null || r.getHost().isBlank() ? "localhost" : r.getHost();
            try {
                s = RedisConnectionSettings.fromHostPort(host, r.getPort(), r.getDatabase(), r.getUsername(),
                        r.getPassword(), r.isSsl());
            } catch (IllegalArgumentException e) {
                throw new TollgateConfigurationException("tollgate.redis.host/port/database",
                        host + ":" + r.getPort() + "/" + r.getDatabase(), e.getMessage(), e);
            }
        }
        try {
            return s.withTimeout(r.getTimeout()).withOverloadTimeout(overloadTimeout(r))
                    .withConnectTimeout(r.getConnectTimeout()).withKeyPrefix(r.getKeyPrefix());
        } catch (IllegalArgumentException e) {
            throw new TollgateConfigurationException("tollgate.redis.key-prefix", r.getKeyPrefix(), e.getMessage(), e);
        }
    }

    private static void positive(String property, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new TollgateConfigurationException(property, String.valueOf(d), "must be a positive duration");
        }
    }
}
