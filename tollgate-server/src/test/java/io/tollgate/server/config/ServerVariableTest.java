package io.tollgate.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.spring.TollgateProperties;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The variable table in both directions: variable to property (what {@code RedisConnectionSettings.fromEnvironment}
 * used to do in the library, now here) and failing property back to variable.
 */
class ServerVariableTest {

    private static Map<String, Object> resolve(Map<String, String> env) {
        return ServerSettings.resolve(DotenvFile.empty("/app/.env"), env);
    }

    private static TollgateProperties bind(Map<String, Object> properties) {
        return new Binder(new MapConfigurationPropertySource(properties)).bind("tollgate", TollgateProperties.class)
                .orElseGet(TollgateProperties::new);
    }

    @Test
    void redisFieldsBindToTheStartersProperties() {
        TollgateProperties.Redis r = bind(resolve(Map.of("REDIS_HOST", "h", "REDIS_PORT", "7000",
                "REDIS_PASSWORD", "zz", "REDIS_USERNAME", "app", "REDIS_TLS", "true", "REDIS_DB", "2"))).getRedis();
        assertThat(r.getHost()).isEqualTo("h");
        assertThat(r.getPort()).isEqualTo(7000);
        assertThat(r.getPassword()).isEqualTo("zz");
        assertThat(r.getUsername()).isEqualTo("app");
        assertThat(r.isSsl()).isTrue();
        assertThat(r.getDatabase()).isEqualTo(2);
        assertThat(r.isConfigured()).isTrue();
        assertThat(bind(resolve(Map.of("REDIS_URL", "redis://x:1"))).getRedis().getUrl()).isEqualTo("redis://x:1");
        assertThatThrownBy(() -> resolve(Map.of("REDIS_PORT", "abc")))
                .hasMessageContaining("REDIS_PORT").hasMessageContaining("abc");
        assertThatThrownBy(() -> resolve(Map.of("REDIS_TLS", "sometimes")))
                .hasMessageContaining("REDIS_TLS (from the environment) is \"sometimes\"");
    }

    @Test
    void everyTollgatePropertyInTheTableBinds() {
        Map<String, Object> p = resolve(Map.of("RATE_LIMIT_RULES_PATH", "rules.json", "REDIS_REQUIRED_AT_STARTUP",
                "false", "TRUSTED_PROXIES", "10.0.0.0/8", "MASK_CLIENT_KEYS", "true", "FAILURE_POLICY", "local",
                "EXPECTED_INSTANCES", "3"));
        TollgateProperties t = bind(p);
        assertThat(t.getRulesFile()).hasToString("rules.json");
        assertThat(t.getRedis().isRequiredAtStartup()).isFalse();
        assertThat(t.getTrustedProxies()).containsExactly("10.0.0.0/8");
        assertThat(t.getLog().isMaskKeys()).isTrue();
        assertThat(t.getFailurePolicy().label()).isEqualTo("local");
        assertThat(t.getExpectedInstances()).isEqualTo(3);
    }

    @Test
    void variablesAreListedInTableOrder() {
        assertThat(ServerSettings.VARIABLES).containsExactly("PORT", "RATE_LIMIT_RULES_PATH", "REDIS_URL", "REDIS_HOST",
                "REDIS_PORT", "REDIS_DB", "REDIS_PASSWORD", "REDIS_USERNAME", "REDIS_TLS", "REDIS_REQUIRED_AT_STARTUP",
                "TRUSTED_PROXIES", "LOG_FORMAT", "MASK_CLIENT_KEYS", "FAILURE_POLICY", "EXPECTED_INSTANCES");
    }

    @Test
    void everyPropertyMapsBackToItsVariable() {
        for (ServerVariable v : ServerVariable.values()) {
            assertThat(ServerVariable.variableFor(v.property())).as(v.property()).isEqualTo(v.name());
        }
        assertThat(ServerVariable.variableFor("tollgate.rules.api.capacity")).isEqualTo("RATE_LIMIT_RULES_PATH");
        assertThat(ServerVariable.variableFor("tollgate.rules-file")).isEqualTo("RATE_LIMIT_RULES_PATH");
        assertThat(ServerVariable.variableFor("tollgate.trusted-proxies[1]")).isEqualTo("TRUSTED_PROXIES");
        String address = "REDIS_URL or REDIS_HOST / REDIS_PORT / REDIS_DB / REDIS_PASSWORD / REDIS_USERNAME / REDIS_TLS";
        for (String p : List.of("tollgate.redis", "tollgate.redis.host/port/database", "tollgate.redis.timeout",
                "tollgate.redis.key-prefix")) {
            assertThat(ServerVariable.variableFor(p)).as(p).isEqualTo(address);
        }
        assertThat(ServerVariable.variableFor("tollgate.redisx")).isNull();
        assertThat(ServerVariable.variableFor("tollgate.memory.max-buckets")).isNull();
        assertThat(ServerVariable.variableFor(null)).isNull();
    }
}
