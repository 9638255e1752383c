package io.tollgate.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.spring.TollgateProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
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
                "FAILURE_POLICY", "EXPECTED_INSTANCES", "TRUSTED_PROXIES", "LOG_FORMAT", "MASK_CLIENT_KEYS",
                "GRPC_PORT", "GRPC_HOST", "RUNTIME_ROOT", "RUNTIME_SUBDIRECTORY", "RUNTIME_APPDIRECTORY",
                "RUNTIME_IGNOREDOTFILES", "RUNTIME_WATCH_ROOT", "SHADOW_MODE", "LIMIT_RESPONSE_HEADERS_ENABLED",
                "NEAR_LIMIT_RATIO", "CACHE_KEY_PREFIX", "LOG_LEVEL", "REDIS_TYPE", "REDIS_SOCKET_TYPE", "REDIS_AUTH",
                "BACKEND_TYPE", "CONFIG_TYPE", "MERGE_DOMAIN_CONFIG", "REDIS_PERSECOND");
    }

    @Test
    void envExampleDocumentsEveryVariableInTableOrder() throws Exception {
        // the module's tests run in tollgate-server/; .env.example is at the repository root
        List<String> lines = Files.readAllLines(Path.of("..", ".env.example"));
        int last = -1;
        for (String name : ServerSettings.VARIABLES) {
            int at = indexOfLineStartingWith(lines, "#" + name + "=");
            if (at < 0) {
                // the rejected ones are documented in the list of envoyproxy/ratelimit settings Tollgate refuses
                at = indexOfLineStartingWith(lines, "#   " + name + "=");
            }
            assertThat(at).as(name + " documented in .env.example").isGreaterThan(last);
            last = at;
        }
    }

    private static int indexOfLineStartingWith(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void envoyVariablesBindAsTheStarterReadsThem() {
        TollgateProperties.Redis r = bind(resolve(Map.of("REDIS_AUTH", "app:s3cret", "REDIS_HOST", "redis",
                "CACHE_KEY_PREFIX", "ratelimit"))).getRedis();
        assertThat(r.getUsername()).isEqualTo("app");
        assertThat(r.getPassword()).isEqualTo("s3cret");
        assertThat(r.getKeyPrefix()).isEqualTo("ratelimit");
        assertThat(bind(resolve(Map.of("REDIS_TYPE", "cluster", "REDIS_URL", "h1:7000,h2:7001"))).getRedis().getUrl())
                .isEqualTo("redis-cluster://h1:7000,h2:7001");
    }

    @Test
    void variablesWithoutAPropertyOfTheirOwn() {
        assertThat(Arrays.stream(ServerVariable.values()).filter(v -> v.property() == null).map(Enum::name))
                .containsExactly("RUNTIME_WATCH_ROOT", "REDIS_TYPE", "REDIS_SOCKET_TYPE", "REDIS_AUTH", "BACKEND_TYPE",
                        "CONFIG_TYPE", "MERGE_DOMAIN_CONFIG", "REDIS_PERSECOND");
    }

    @Test
    void everyPropertyMapsBackToItsVariable() {
        for (ServerVariable v : ServerVariable.values()) {
            if (v.property() != null) {
                assertThat(ServerVariable.variableFor(v.property())).as(v.property()).isEqualTo(v.name());
            }
        }
        assertThat(ServerVariable.variableFor("tollgate.rules.api.capacity")).isEqualTo("RATE_LIMIT_RULES_PATH");
        assertThat(ServerVariable.variableFor("tollgate.rules-file")).isEqualTo("RATE_LIMIT_RULES_PATH");
        assertThat(ServerVariable.variableFor("tollgate.trusted-proxies[1]")).isEqualTo("TRUSTED_PROXIES");
        assertThat(ServerVariable.variableFor("tollgate.envoy.grpc-port")).isEqualTo("GRPC_PORT");
        assertThat(ServerVariable.variableFor("tollgate.envoy.runtime-app-directory")).isEqualTo("RUNTIME_APPDIRECTORY");
        assertThat(ServerVariable.variableFor("tollgate.envoy.near-limit-ratio")).isEqualTo("NEAR_LIMIT_RATIO");
        assertThat(ServerVariable.variableFor("tollgate.redis.key-prefix")).isEqualTo("CACHE_KEY_PREFIX");
        assertThat(ServerVariable.variableFor("logging.level.root")).isEqualTo("LOG_LEVEL");
        assertThat(ServerVariable.variableFor("tollgate.envoy")).isNull();
        String address = "REDIS_URL or REDIS_HOST / REDIS_PORT / REDIS_DB / REDIS_PASSWORD / REDIS_USERNAME / REDIS_TLS"
                + " / REDIS_TYPE / REDIS_AUTH";
        for (String p : List.of("tollgate.redis", "tollgate.redis.host/port/database", "tollgate.redis.timeout")) {
            assertThat(ServerVariable.variableFor(p)).as(p).isEqualTo(address);
        }
        assertThat(ServerVariable.variableFor("tollgate.redisx")).isNull();
        assertThat(ServerVariable.variableFor("tollgate.memory.max-buckets")).isNull();
        assertThat(ServerVariable.variableFor(null)).isNull();
    }
}
