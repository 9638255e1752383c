package io.tollgate.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.redis.RedisConnectionSettings;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Precedence of {@code tollgate.redis.*} over the URL's options over the library defaults, and error naming. */
class RedisSettingsTest {

    private static TollgateProperties.Redis url(String url) {
        TollgateProperties.Redis r = new TollgateProperties.Redis();
        r.setUrl(url);
        return r;
    }

    @Test
    void urlOptionsApplyWhenNoPropertyIsSet() {
        RedisConnectionSettings s = RedisSettings.from(url(
                "redis://h:6379?timeout=250ms&connectTimeout=3s&overloadTimeout=4s&prefix=myapp"));
        assertThat(s.timeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(s.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(s.overloadTimeout()).isEqualTo(Duration.ofSeconds(4));
        assertThat(s.keyPrefix()).isEqualTo("myapp");
    }

    @Test
    void aPropertyThatIsSetBeatsTheUrlOption() {
        TollgateProperties.Redis r = url("redis://h:6379?timeout=250ms&connectTimeout=3s&overloadTimeout=4s&prefix=myapp");
        r.setTimeout(Duration.ofMillis(400));
        r.setConnectTimeout(Duration.ofSeconds(1));
        r.setOverloadTimeout(Duration.ofSeconds(6));
        r.setKeyPrefix("explicit");
        RedisConnectionSettings s = RedisSettings.from(r);
        assertThat(s.timeout()).isEqualTo(Duration.ofMillis(400));
        assertThat(s.connectTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(s.overloadTimeout()).isEqualTo(Duration.ofSeconds(6));
        assertThat(s.keyPrefix()).isEqualTo("explicit");
    }

    @Test
    void neitherGivesTheLibraryDefaults() {
        RedisConnectionSettings s = RedisSettings.from(url("redis://h:6379"));
        assertThat(s.timeout()).isEqualTo(RedisConnectionSettings.DEFAULT_TIMEOUT);
        assertThat(s.connectTimeout()).isEqualTo(RedisConnectionSettings.DEFAULT_CONNECT_TIMEOUT);
        assertThat(s.overloadTimeout()).isEqualTo(RedisConnectionSettings.DEFAULT_OVERLOAD_TIMEOUT);
        assertThat(s.keyPrefix()).isEqualTo(RedisConnectionSettings.DEFAULT_KEY_PREFIX);
        // host/port form: the same defaults
        TollgateProperties.Redis fields = new TollgateProperties.Redis();
        fields.setHost("h");
        assertThat(RedisSettings.from(fields).timeout()).isEqualTo(RedisConnectionSettings.DEFAULT_TIMEOUT);
        // a long timeout property lifts the defaulted overload timeout with it
        TollgateProperties.Redis slow = url("redis://h");
        slow.setTimeout(Duration.ofSeconds(5));
        assertThat(RedisSettings.from(slow).overloadTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void callBudgetUsesTheValuesInForce() {
        assertThat(RedisSettings.callBudget(url("redis://h?timeout=1s&overloadTimeout=3s")))
                .isEqualTo(Duration.ofMillis(4250));
        TollgateProperties.Redis r = url("redis://h?timeout=1s&overloadTimeout=3s");
        r.setOverloadTimeout(Duration.ofSeconds(5));
        assertThat(RedisSettings.callBudget(r)).isEqualTo(Duration.ofMillis(6250));
        assertThat(RedisSettings.callBudget(new TollgateProperties.Redis())).isEqualTo(Duration.ofMillis(2350));
        // a URL only the Redis store would reject still leaves the budget to the properties and defaults
        assertThat(RedisSettings.callBudget(url("bogus"))).isEqualTo(Duration.ofMillis(2350));
    }

    @Test
    void errorsNameThePropertyOrTheUrl() {
        TollgateProperties.Redis badPrefix = url("redis://h?prefix=ok");
        badPrefix.setKeyPrefix("no spaces");
        assertThatThrownBy(() -> RedisSettings.from(badPrefix)).isInstanceOfSatisfying(
                TollgateConfigurationException.class, e -> {
                    assertThat(e.property()).isEqualTo("tollgate.redis.key-prefix");
                    assertThat(e.value()).isEqualTo("no spaces");
                });
        TollgateProperties.Redis low = new TollgateProperties.Redis();
        low.setTimeout(Duration.ofSeconds(1));
        low.setOverloadTimeout(Duration.ofMillis(500));
        assertThatThrownBy(() -> RedisSettings.checkTimeouts(low)).isInstanceOfSatisfying(
                TollgateConfigurationException.class, e -> {
                    assertThat(e.property()).isEqualTo("tollgate.redis.overload-timeout");
                    assertThat(e.problem()).isEqualTo("must be at least tollgate.redis.timeout (1000 ms)");
                });
        // the URL's own overload timeout undercut by a timeout property: the URL is what to fix or override
        TollgateProperties.Redis clash = url("redis://:s3cret@h?overloadTimeout=1s");
        clash.setTimeout(Duration.ofSeconds(2));
        assertThatThrownBy(() -> RedisSettings.from(clash)).isInstanceOfSatisfying(
                TollgateConfigurationException.class, e -> {
                    assertThat(e.property()).isEqualTo("tollgate.redis.url");
                    assertThat(e.value()).isEqualTo("redis://:***@h?overloadTimeout=1s");
                    assertThat(e.problem()).contains("overloadTimeout (1000 ms) must be at least the timeout (2000 ms)");
                });
        assertThatThrownBy(() -> RedisSettings.from(url("redis-sentinel://:s3cret@h"))).isInstanceOfSatisfying(
                TollgateConfigurationException.class, e -> {
                    assertThat(e.property()).isEqualTo("tollgate.redis.url");
                    assertThat(e.getMessage()).contains("master id").doesNotContain("s3cret");
                });
        TollgateProperties.Redis zero = new TollgateProperties.Redis();
        zero.setConnectTimeout(Duration.ZERO);
        assertThatThrownBy(() -> RedisSettings.checkTimeouts(zero)).isInstanceOfSatisfying(
                TollgateConfigurationException.class,
                e -> assertThat(e.property()).isEqualTo("tollgate.redis.connect-timeout"));
    }
}
