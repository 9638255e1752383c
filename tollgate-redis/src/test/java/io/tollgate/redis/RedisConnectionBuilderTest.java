package io.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.redis.RedisConnectionSettings.HostAndPort;
import io.tollgate.redis.RedisConnectionSettings.Mode;
import io.tollgate.redis.RedisConnectionSettings.Option;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** {@link RedisConnectionSettings.Builder}: defaults, explicitness, and an error naming the field for every check. */
class RedisConnectionBuilderTest {

    private static RedisConnectionSettings.Builder local() {
        return RedisConnectionSettings.builder().host("127.0.0.1", 6379);
    }

    @Test
    void defaultsAreNotExplicit() {
        RedisConnectionSettings s = local().build();
        assertThat(s.mode()).isEqualTo(Mode.STANDALONE);
        assertThat(s.timeout()).isEqualTo(RedisConnectionSettings.DEFAULT_TIMEOUT);
        assertThat(s.connectTimeout()).isEqualTo(RedisConnectionSettings.DEFAULT_CONNECT_TIMEOUT);
        assertThat(s.overloadTimeout()).isEqualTo(RedisConnectionSettings.DEFAULT_OVERLOAD_TIMEOUT);
        assertThat(s.keyPrefix()).isEqualTo("tollgate");
        assertThat(s.verifyPeer()).isTrue();
        assertThat(s.trustedCertificate()).isNull();
        assertThat(s.batching()).isTrue();
        assertThat(s.batchSize()).isEqualTo(RedisConnectionSettings.DEFAULT_BATCH_SIZE);
        for (Option o : Option.values()) {
            assertThat(s.isExplicit(o)).as(o.name()).isFalse();
        }
    }

    @Test
    void everyOptionSetIsExplicitAndSurvivesToBuilder() {
        RedisConnectionSettings s = RedisConnectionSettings.builder().mode(Mode.SENTINEL).host("s1", 26379)
                .host("[::1]", 26380).sentinelMasterId("m").database(2).username("u").password("pw").tls(true)
                .timeout(Duration.ofMillis(300)).connectTimeout(Duration.ofSeconds(1))
                .overloadTimeout(Duration.ofSeconds(5)).keyPrefix("app").verifyPeer(false)
                .trustedCertificate(Path.of("/ca.pem")).batching(false).batchSize(128).build();
        assertThat(s.hosts()).containsExactly(new HostAndPort("s1", 26379), new HostAndPort("::1", 26380));
        assertThat(s.describeNodes()).isEqualTo("sentinel s1:26379,[::1]:26380 master m tls");
        assertThat(s.username()).isEqualTo("u");
        assertThat(s.password()).isEqualTo("pw");
        assertThat(s.verifyPeer()).isFalse();
        for (Option o : Option.values()) {
            assertThat(s.isExplicit(o)).as(o.name()).isTrue();
        }
        RedisConnectionSettings copy = s.toBuilder().build();
        assertThat(copy.toString()).isEqualTo(s.toString());
        assertThat(copy.isExplicit(Option.KEY_PREFIX)).isTrue();
        // null puts an option back to its default
        RedisConnectionSettings reset = s.toBuilder().keyPrefix(null).overloadTimeout(null).build();
        assertThat(reset.keyPrefix()).isEqualTo("tollgate");
        assertThat(reset.isExplicit(Option.KEY_PREFIX)).isFalse();
        assertThat(reset.overloadTimeout()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void defaultOverloadFollowsALongTimeoutButAnExplicitOneStays() {
        assertThat(local().timeout(Duration.ofSeconds(5)).build().overloadTimeout()).isEqualTo(Duration.ofSeconds(5));
        RedisConnectionSettings s = local().overloadTimeout(Duration.ofSeconds(3)).build();
        assertThat(s.withTimeout(Duration.ofSeconds(1)).overloadTimeout()).isEqualTo(Duration.ofSeconds(3));
        // withTimeout raises an explicit overload timeout it would otherwise undercut
        assertThat(s.withTimeout(Duration.ofSeconds(4)).overloadTimeout()).isEqualTo(Duration.ofSeconds(4));
        assertThat(local().build().withTimeout(Duration.ofSeconds(4)).isExplicit(Option.OVERLOAD_TIMEOUT)).isFalse();
    }

    @Test
    void eachProblemNamesItsField() {
        expect(b -> b, "hosts", null); // no host at all
        expect(b -> b.host("a", 1).host("b", 2), "hosts", "exactly one host");
        expect(b -> b.host("bad host", 6379), "host", "\"bad host\"");
        expect(b -> b.host("", 6379), "host", "host name or IP");
        expect(b -> b.host("h/1", 6379), "host", null);
        expect(b -> b.host("h", 0), "port", "1-65535, got 0 (host h)");
        expect(b -> b.host("h", 65536), "port", "65536");
        expect(b -> b.host("h", 1).database(-1), "database", "0 or greater");
        expect(b -> b.mode(Mode.CLUSTER).host("h", 1).database(1), "database", "only database 0");
        expect(b -> b.mode(Mode.SENTINEL).host("h", 1), "sentinelMasterId", "required");
        expect(b -> b.host("h", 1).sentinelMasterId("m"), "sentinelMasterId", "only for Sentinel");
        expect(b -> b.host("h", 1).timeout(Duration.ZERO), "timeout", "positive");
        expect(b -> b.host("h", 1).connectTimeout(Duration.ofMillis(-1)), "connectTimeout", "positive");
        expect(b -> b.host("h", 1).overloadTimeout(Duration.ZERO), "overloadTimeout", "positive");
        expect(b -> b.host("h", 1).overloadTimeout(Duration.ofMillis(50)), "overloadTimeout",
                "(50 ms) must be at least the timeout (100 ms)");
        expect(b -> b.host("h", 1).keyPrefix("a{b"), "keyPrefix", "\"a{b\"");
        expect(b -> b.host("h", 1).keyPrefix(""), "keyPrefix", "1-64 characters");
        expect(b -> b.host("h", 1).mode(null), "mode", null);
    }

    @Test
    void theBuilderNeverShowsThePassword() {
        assertThatThrownBy(() -> RedisConnectionSettings.builder().host("h", 0).password("hunter2").build())
                .hasMessageNotContaining("hunter2");
        assertThat(local().password("hunter2").build().toString()).doesNotContain("hunter2").contains("password=***");
    }

    private static void expect(UnaryOperator<RedisConnectionSettings.Builder> setup, String field, String fragment) {
        assertThatThrownBy(() -> setup.apply(RedisConnectionSettings.builder()).build())
                .as(field + " " + fragment)
                .isInstanceOfSatisfying(RedisSettingsException.class, e -> {
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.getMessage()).startsWith(field + " ");
                    if (fragment != null) {
                        assertThat(e.getMessage()).contains(fragment);
                    }
                });
    }
}
