package io.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.redis.RedisConnectionSettings.HostAndPort;
import io.tollgate.redis.RedisConnectionSettings.Mode;
import io.tollgate.redis.RedisConnectionSettings.Option;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The URL parser: every option, explicit versus defaulted, and every error naming the URL part, password hidden. */
class RedisUrlTest {

    @Test
    void everyOptionIsReadAndExplicit() {
        RedisConnectionSettings s = RedisConnectionSettings.fromUrl("rediss://u:hunter2@h:6380/4?timeout=250ms"
                + "&connectTimeout=3s&overloadTimeout=4000&prefix=myapp&verifyPeer=false&trustedCertificate=%2Fca.pem"
                + "&batch=false&batchSize=32");
        assertThat(s.timeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(s.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(s.overloadTimeout()).isEqualTo(Duration.ofSeconds(4));
        assertThat(s.keyPrefix()).isEqualTo("myapp");
        assertThat(s.verifyPeer()).isFalse();
        assertThat(s.trustedCertificate()).isEqualTo(Path.of("/ca.pem"));
        assertThat(s.database()).isEqualTo(4);
        assertThat(s.batching()).isFalse();
        assertThat(s.batchSize()).isEqualTo(32);
        for (Option o : Option.values()) {
            assertThat(s.isExplicit(o)).as(o.name()).isTrue();
        }
    }

    @Test
    void optionsTheUrlLeavesOutAreDefaulted() {
        RedisConnectionSettings s = RedisConnectionSettings.fromUrl("redis://h?prefix=p");
        assertThat(s.isExplicit(Option.KEY_PREFIX)).isTrue();
        assertThat(s.isExplicit(Option.TIMEOUT)).isFalse();
        assertThat(s.isExplicit(Option.OVERLOAD_TIMEOUT)).isFalse();
        assertThat(RedisConnectionSettings.fromUrl("redis://h?timeout=3s").overloadTimeout())
                .isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void sentinelAndClusterForms() {
        RedisConnectionSettings s = RedisConnectionSettings.fromUrl("rediss-sentinel://[::1]:26380,s2#my%20master");
        assertThat(s.mode()).isEqualTo(Mode.SENTINEL);
        assertThat(s.tls()).isTrue();
        assertThat(s.hosts()).containsExactly(new HostAndPort("::1", 26380), new HostAndPort("s2", 26379));
        assertThat(s.sentinelMasterId()).isEqualTo("my master");
        RedisConnectionSettings c = RedisConnectionSettings.fromUrl("redis-cluster://:pw@n1:7000,n2:7001/0?prefix=x");
        assertThat(c.mode()).isEqualTo(Mode.CLUSTER);
        assertThat(c.hosts()).containsExactly(new HostAndPort("n1", 7000), new HostAndPort("n2", 7001));
        assertThat(c.hasPassword()).isTrue();
        assertThat(c.keyPrefix()).isEqualTo("x");
    }

    static Stream<Arguments> badUrls() {
        return Stream.of(
                // url (the password is always hunter2), part named, fragment of the reason
                Arguments.of("user:hunter2@host", "scheme", "scheme such as redis://"),
                Arguments.of("http://user:hunter2@host", "scheme", "unknown scheme \"http\""),
                Arguments.of("redis://user:hunter2@", "host", "no host given"),
                Arguments.of("redis://user:hunter2@a,b", "host", "exactly one host"),
                Arguments.of("redis://user:hunter2@bad!host", "host", "bad host \"bad!host\""),
                Arguments.of("redis://user:hunter2@[::1", "host", "unclosed '['"),
                Arguments.of("redis://user:hunter2@[::1]x", "host", "unexpected \"x\""),
                Arguments.of("redis://user:hunter2@host:abc", "port", "port \"abc\" of host host"),
                Arguments.of("redis://user:hunter2@host:0", "port", "1-65535"),
                Arguments.of("redis://user:hunter2@host:99999", "port", "1-65535"),
                Arguments.of("redis://user:hunter2@host/x", "database", "must be a number, got \"x\""),
                Arguments.of("redis-cluster://user:hunter2@host/1", "database", "only database 0"),
                Arguments.of("redis-sentinel://user:hunter2@host", "master id", "needs the master id"),
                Arguments.of("redis://user:hunter2@host#m", "master id", "only Sentinel URLs"),
                Arguments.of("redis://user:hunter2@host?bogus=1", "query", "unknown option \"bogus\""),
                Arguments.of("redis://user:hunter2@host?timeout=soon", "timeout", "timeout: bad duration \"soon\""),
                Arguments.of("redis://user:hunter2@host?timeout=0", "timeout", "timeout must be positive"),
                Arguments.of("redis://user:hunter2@host?connectTimeout=1h", "connectTimeout", "bad duration"),
                Arguments.of("redis://user:hunter2@host?overloadTimeout=x", "overloadTimeout", "bad duration"),
                Arguments.of("redis://user:hunter2@host?timeout=3s&overloadTimeout=1s", "overloadTimeout",
                        "must be at least the timeout (3000 ms)"),
                Arguments.of("redis://user:hunter2@host?prefix=a%7Bb", "prefix", "prefix must be 1-64 characters"),
                Arguments.of("redis://user:hunter2@host?verifyPeer=maybe", "verifyPeer", "true or false"),
                Arguments.of("redis://user:hunter2@host?batch=yes", "batch", "true or false"),
                Arguments.of("redis://user:hunter2@host?batchSize=many", "batchSize", "whole number"),
                Arguments.of("redis://user:hunter2@host?batchSize=0", "batchSize", "must be 1-1024"),
                Arguments.of("redis://user:hunter2@host?batchSize=2000", "batchSize", "must be 1-1024"),
                Arguments.of("redis://user:hunter2@host?prefix=%zz", "option prefix", "bad percent escape"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("badUrls")
    void eachErrorNamesThePartAndHidesThePassword(String url, String part, String reason) {
        assertThatThrownBy(() -> RedisConnectionSettings.fromUrl(url))
                .isInstanceOfSatisfying(RedisSettingsException.class, e -> {
                    assertThat(e.field()).isEqualTo(part);
                    assertThat(e.reason()).contains(reason).doesNotContain("hunter2");
                    assertThat(e.getMessage()).startsWith("invalid Redis URL ").contains(reason)
                            .doesNotContain("hunter2");
                    if (url.contains("://")) {
                        assertThat(e.getMessage()).contains("user:***@");
                    }
                });
    }

    @Test
    void passwordsWithAtSignsAndLonePasswordsAreRedacted() {
        assertThatThrownBy(() -> RedisConnectionSettings.fromUrl("redis://u:a@b/c@host:0"))
                .hasMessageContaining("redis://u:***@host:0").hasMessageNotContaining("a@b");
        assertThatThrownBy(() -> RedisConnectionSettings.fromUrl("redis://hunter2@host:0"))
                .hasMessageContaining("redis://***@host:0");
        assertThatThrownBy(() -> RedisConnectionSettings.fromUrl(" ")).hasMessage("Redis URL must not be empty");
    }
}
