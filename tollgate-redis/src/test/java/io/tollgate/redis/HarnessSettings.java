package io.tollgate.redis;

import io.tollgate.testsupport.redis.RedisCluster;
import io.tollgate.testsupport.redis.RedisExtension;
import io.tollgate.testsupport.redis.RedisSentinelGroup;
import io.tollgate.testsupport.redis.RedisServer;

/**
 * Connection settings for the harness's servers, with the library defaults. The harness knows no Tollgate class (so
 * this module can use it), hence this bridge: the server's URL through the one URL parser, plus a TLS server's trust.
 */
public final class HarnessSettings {

    private HarnessSettings() {
    }

    public static RedisConnectionSettings of(RedisServer server) {
        RedisConnectionSettings s = RedisConnectionSettings.fromUrl(server.url());
        return server.tlsCertificate() == null ? s : s.withTrustedCertificate(server.tlsCertificate().certificatePem());
    }

    public static RedisConnectionSettings of(RedisExtension redis) {
        return redis.server() != null ? of(redis.server()) : of(redis.redisCluster());
    }

    public static RedisConnectionSettings of(RedisCluster cluster) {
        return RedisConnectionSettings.fromUrl(cluster.url());
    }

    public static RedisConnectionSettings of(RedisSentinelGroup group) {
        return RedisConnectionSettings.fromUrl(group.url());
    }
}
