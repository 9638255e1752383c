package io.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisURI;
import io.tollgate.redis.RedisConnectionSettings.HostAndPort;
import io.tollgate.redis.RedisConnectionSettings.Mode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedisConnectionSettingsTest {

    @Test
    void standaloneWithCredentialsAndDatabase() {
        RedisConnectionSettings s = RedisConnectionSettings.fromUrl("redis://app:p%40ss@cache.local:6380/3");
        assertThat(s.mode()).isEqualTo(Mode.STANDALONE);
        assertThat(s.hosts()).containsExactly(new HostAndPort("cache.local", 6380));
        assertThat(s.database()).isEqualTo(3);
        assertThat(s.username()).isEqualTo("app");
        assertThat(s.password()).isEqualTo("p@ss");
        assertThat(s.tls()).isFalse();
        assertThat(s.timeout()).isEqualTo(Duration.ofMillis(100));
        assertThat(s.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.keyPrefix()).isEqualTo("tollgate");
        assertThat(s.toString()).doesNotContain("p@ss").contains("password=***");
        RedisURI uri = s.toRedisUris().get(0);
        assertThat(uri.getDatabase()).isEqualTo(3);
        // The URI timeout bounds Lettuce's connection handshake: the connect timeout, not the 100 ms per-call budget
        // (which made startup fail with "Connection initialization timed out after 100 millisecond(s)" when busy).
        assertThat(uri.getTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(new String(uri.getCredentialsProvider().resolveCredentials().block().getPassword())).isEqualTo("p@ss");
    }

    @Test
    void defaultsAndTlsAndOptions() {
        RedisConnectionSettings s = RedisConnectionSettings.fromUrl(
                "rediss://secret@[::1]?timeout=250ms&connectTimeout=3s&prefix=rl");
        assertThat(s.tls()).isTrue();
        assertThat(s.hosts()).containsExactly(new HostAndPort("::1", 6379));
        assertThat(s.username()).isNull();
        assertThat(s.password()).isEqualTo("secret");
        assertThat(s.timeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(s.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(s.keyPrefix()).isEqualTo("rl");
        assertThat(s.describeNodes()).isEqualTo("standalone [::1]:6379 tls");
    }

    @Test
    void sentinel() {
        RedisConnectionSettings s = RedisConnectionSettings.fromUrl("redis-sentinel://:pw@s1,s2:26380/2#mymaster");
        assertThat(s.mode()).isEqualTo(Mode.SENTINEL);
        assertThat(s.hosts()).containsExactly(new HostAndPort("s1", 26379), new HostAndPort("s2", 26380));
        assertThat(s.sentinelMasterId()).isEqualTo("mymaster");
        assertThat(s.database()).isEqualTo(2);
        RedisURI uri = s.toRedisUris().get(0);
        assertThat(uri.getSentinels()).hasSize(2);
        assertThat(uri.getSentinelMasterId()).isEqualTo("mymaster");
        assertThatThrownBy(() -> RedisConnectionSettings.fromUrl("redis-sentinel://:pw@s1"))
                .hasMessageContaining("master id").hasMessageNotContaining("pw@");
    }

    @Test
    void cluster() {
        RedisConnectionSettings s = RedisConnectionSettings.fromUrl("redis-cluster://n1:7000,n2:7001,n3");
        assertThat(s.mode()).isEqualTo(Mode.CLUSTER);
        assertThat(s.hosts()).containsExactly(new HostAndPort("n1", 7000), new HostAndPort("n2", 7001),
                new HostAndPort("n3", 6379));
        assertThat(s.toRedisUris()).hasSize(3);
        assertThat(s.describeNodes()).isEqualTo("cluster n1:7000,n2:7001,n3:6379");
        assertThat(RedisConnectionSettings.fromUrl("rediss-cluster://n1:7000").tls()).isTrue();
        assertThatThrownBy(() -> RedisConnectionSettings.fromUrl("redis-cluster://u:topsecret@n1:7000/1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("redis-cluster://u:***@n1:7000/1")
                .hasMessageNotContaining("topsecret");
    }

    @Test
    void hostPortFields() {
        RedisConnectionSettings s = RedisConnectionSettings.fromHostPort("10.0.0.5", 6390, 1, "u", "pw", true);
        assertThat(s.hosts()).containsExactly(new HostAndPort("10.0.0.5", 6390));
        assertThat(s.tls()).isTrue();
        assertThat(s.toString()).doesNotContain("pw,").contains("user=u");
        // the REDIS_HOST / REDIS_URL environment mapping (fromEnvironment) moved to the server: ServerVariableTest
        assertThatThrownBy(() -> RedisConnectionSettings.fromHostPort("h", 0, 0, null, "pw", false))
                .hasMessageContaining("port");
    }

    @Test
    void invalidUrlsNameTheValueButNeverThePassword() {
        for (String url : List.of("redis://user:hunter2@host:99999", "redis://user:hunter2@host/x",
                "redis://user:hunter2@host?bogus=1", "ftp://user:hunter2@host", "redis://user:hunter2@host,b",
                "redis://user:hunter2@host#m", "redis://user:hunter2@host?timeout=soon",
                "redis://user:hunter2@host?prefix=a%7Bb")) {
            assertThatThrownBy(() -> RedisConnectionSettings.fromUrl(url)).as(url)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("user:***@host")
                    .hasMessageNotContaining("hunter2");
        }
        assertThatThrownBy(() -> RedisConnectionSettings.fromUrl("redis://hunter2@")).hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> RedisConnectionSettings.fromUrl("host:6379")).hasMessageContaining("scheme");
        assertThatThrownBy(() -> RedisConnectionSettings.fromUrl("redis://h").withTimeout(Duration.ZERO))
                .hasMessageContaining("timeout");
    }

    @Test
    void redactHandlesOddPasswords() {
        assertThat(RedisConnectionSettings.redact("redis://u:a@b/c@host:1")).isEqualTo("redis://u:***@host:1");
        assertThat(RedisConnectionSettings.redact("redis://pw@host")).isEqualTo("redis://***@host");
        assertThat(RedisConnectionSettings.redact("redis://host:6379/0")).isEqualTo("redis://host:6379/0");
    }

    @Test
    void trustedCertificateFromUrlAndCopy() {
        RedisConnectionSettings s = RedisConnectionSettings.fromUrl(
                "rediss://alice:s3cret@127.0.0.1:6390?trustedCertificate=/etc/redis/ca%20file.pem&timeout=1s");
        assertThat(s.tls()).isTrue();
        assertThat(s.verifyPeer()).isTrue();
        assertThat(s.trustedCertificate()).isEqualTo(Path.of("/etc/redis/ca file.pem"));
        assertThat(s.toString()).contains("trustedCertificate=/etc/redis/ca file.pem").doesNotContain("s3cret");
        RedisConnectionSettings copy = s.withTimeout(Duration.ofMillis(300)).withKeyPrefix("x");
        assertThat(copy.trustedCertificate()).isEqualTo(s.trustedCertificate());
        assertThat(copy.withTrustedCertificate(null).trustedCertificate()).isNull();
        assertThat(RedisConnectionSettings.fromUrl("rediss://h").trustedCertificate()).isNull();
    }

    @Test
    void unreadableTrustedCertificateFailsConnectClearly() {
        RedisConnectionSettings s = RedisConnectionSettings.fromUrl("rediss://alice:s3cret@127.0.0.1:1")
                .withTrustedCertificate(Path.of("/nonexistent/ca.pem"));
        assertThatThrownBy(() -> RedisBucketStore.connect(s))
                .isInstanceOf(io.tollgate.core.store.StoreUnavailableException.class)
                .hasMessageContaining("/nonexistent/ca.pem")
                .hasMessageNotContaining("s3cret");
    }
}
