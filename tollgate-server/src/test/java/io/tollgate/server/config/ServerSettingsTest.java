package io.tollgate.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import io.tollgate.redis.RedisConnectionSettings;
import io.tollgate.redis.RedisConnectionSettings.Mode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ServerSettingsTest {

    private static Map<String, Object> resolve(Map<String, String> env, String... lines) {
        return ServerSettings.resolve(DotenvFile.parse("/app/.env", List.of(lines)), env);
    }

    @Test
    void mapsEveryVariable() {
        Map<String, Object> p = resolve(Map.of(),
                "PORT=9000", "RATE_LIMIT_RULES_PATH=rules.json", "REDIS_URL=redis://:pw@r:6379/1", "REDIS_HOST=redis",
                "REDIS_PORT=6380", "REDIS_DB=3", "REDIS_PASSWORD=pw", "REDIS_REQUIRED_AT_STARTUP=false",
                "TRUSTED_PROXIES=10.0.0.0/8, 192.168.1.10 ,fd00::/8", "LOG_FORMAT=json", "MASK_CLIENT_KEYS=yes",
                "FAILURE_POLICY=fail-closed", "EXPECTED_INSTANCES=2", "UNRELATED=ignored");
        assertThat(p).containsEntry("server.port", 9000)
                .containsEntry("tollgate.rules-file", "rules.json")
                .containsEntry("tollgate.redis.url", "redis://:pw@r:6379/1")
                .containsEntry("tollgate.redis.host", "redis")
                .containsEntry("tollgate.redis.port", 6380)
                .containsEntry("tollgate.redis.database", 3)
                .containsEntry("tollgate.redis.password", "pw")
                .containsEntry("tollgate.redis.required-at-startup", false)
                .containsEntry("tollgate.trusted-proxies", "10.0.0.0/8,192.168.1.10,fd00::/8")
                .containsEntry("logging.structured.format.console", "ecs")
                .containsEntry("tollgate.log.mask-keys", true)
                .containsEntry("tollgate.failure-policy", "fail-closed")
                .containsEntry("tollgate.expected-instances", 2)
                .hasSize(13);
    }

    @Test
    void nothingSetMeansNoProperties() {
        assertThat(resolve(Map.of(), "# empty", "LOG_FORMAT=text")).isEmpty();
    }

    @Test
    void realEnvironmentBeatsTheFileAndBlankMeansUnset() {
        Map<String, Object> p = resolve(Map.of("PORT", "7000", "REDIS_HOST", "  ", "REDIS_PORT", "6390"),
                "PORT=abc", "REDIS_HOST=from-file", "REDIS_PORT=6380");
        // PORT=abc in the file never matters: the environment overrides it before validation.
        assertThat(p).containsEntry("server.port", 7000)
                .containsEntry("tollgate.redis.host", "from-file")
                .containsEntry("tollgate.redis.port", 6390);
    }

    @Test
    void badPortNamesVariableValueAndFileLine() {
        assertThatThrownBy(() -> resolve(Map.of(), "# x", "PORT=abc"))
                .isInstanceOf(ServerConfigException.class)
                .hasMessage("PORT (from /app/.env line 2) is \"abc\", but it must be a TCP port from 0 to 65535 (0 picks a free port). Fix or remove it and start again.");
        assertThatThrownBy(() -> resolve(Map.of("PORT", "70000")))
                .hasMessageStartingWith("PORT (from the environment) is \"70000\", but it must be a TCP port");
    }

    @Test
    void everyFailurePolicyIsAccepted() {
        for (String policy : List.of("fail-open", "fail-open-unbounded", "fail-closed", "local")) {
            assertThat(resolve(Map.of(), "FAILURE_POLICY=" + policy)).containsEntry("tollgate.failure-policy", policy);
        }
        assertThat(resolve(Map.of(), "FAILURE_POLICY=FAIL_OPEN_UNBOUNDED"))
                .containsEntry("tollgate.failure-policy", "fail-open-unbounded");
    }

    @Test
    void otherBadValuesAreNamed() {
        assertThatThrownBy(() -> resolve(Map.of(), "REDIS_PORT=0")).hasMessageStartingWith("REDIS_PORT (from /app/.env line 1) is \"0\"");
        assertThatThrownBy(() -> resolve(Map.of(), "REDIS_DB=-1")).hasMessageStartingWith("REDIS_DB (from /app/.env line 1) is \"-1\"");
        assertThatThrownBy(() -> resolve(Map.of(), "REDIS_DB=one")).hasMessageContaining("a Redis database number");
        assertThatThrownBy(() -> resolve(Map.of(), "TRUSTED_PROXIES=10.0.0.0/8,10.0.0.300/24"))
                .hasMessageStartingWith("TRUSTED_PROXIES (from /app/.env line 1) is \"10.0.0.0/8,10.0.0.300/24\"")
                .hasMessageContaining("\"10.0.0.300/24\" is not one");
        assertThatThrownBy(() -> resolve(Map.of(), "LOG_FORMAT=xml")).hasMessageContaining("LOG_FORMAT (from /app/.env line 1) is \"xml\"");
        assertThatThrownBy(() -> resolve(Map.of(), "FAILURE_POLICY=maybe")).hasMessageContaining("fail-open-unbounded, fail-closed or local");
        assertThatThrownBy(() -> resolve(Map.of(), "EXPECTED_INSTANCES=0")).hasMessageContaining("EXPECTED_INSTANCES");
        assertThatThrownBy(() -> resolve(Map.of(), "REDIS_REQUIRED_AT_STARTUP=perhaps")).hasMessageContaining("true or false");
    }

    @Test
    void redisUrlErrorsHideTheValue() {
        assertThatThrownBy(() -> resolve(Map.of(), "REDIS_URL=http://user:hunter2@host"))
                .hasMessageContaining("REDIS_URL (from /app/.env line 1) is (value hidden)")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void redisUrlAcceptsEveryFormTheStarterDoes() {
        for (String url : List.of("redis://:pw@r:6379/1", "rediss://u:pw@r:6380", "redis://[::1]:6379",
                "redis-sentinel://s1:26379,s2:26380#mymaster", "rediss-sentinel://:pw@s1#m",
                "redis-cluster://h1:7000,h2:7001,h3:7002", "redis://r?timeout=250ms&prefix=myapp")) {
            assertThat(resolve(Map.of("REDIS_URL", url))).as(url).containsEntry("tollgate.redis.url", url);
        }
    }

    @Test
    void redisUrlErrorsSayWhatIsWrongWithoutTheSecret() {
        assertThatThrownBy(() -> resolve(Map.of(), "# redis", "REDIS_URL=redis-sentinel://:hunter2@s1:26379"))
                .isInstanceOf(ServerConfigException.class)
                .hasMessageStartingWith("REDIS_URL (from /app/.env line 2) is (value hidden), but it must be a Redis URL")
                .hasMessageContaining("needs the master id after '#'")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> resolve(Map.of("REDIS_URL", "redis-cluster://u:hunter2@h1:7000,h2:x")))
                .hasMessageContaining("REDIS_URL (from the environment)")
                .hasMessageContaining("port \"x\" of host h2")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> resolve(Map.of("REDIS_URL", "redis://h?timeout=soon")))
                .hasMessageContaining("timeout: bad duration \"soon\"");
    }

    @Test
    void cidrValidation() {
        assertThat(ServerSettings.validCidr("127.0.0.1")).isTrue();
        assertThat(ServerSettings.validCidr("172.16.0.0/12")).isTrue();
        assertThat(ServerSettings.validCidr("::1")).isTrue();
        assertThat(ServerSettings.validCidr("2001:db8::/32")).isTrue();
        assertThat(ServerSettings.validCidr("10.0.0.0/33")).isFalse();
        assertThat(ServerSettings.validCidr("fd00::/129")).isFalse();
        assertThat(ServerSettings.validCidr("proxy.example")).isFalse();
        assertThat(ServerSettings.validCidr("10.0.0/8")).isFalse();
        assertThat(ServerSettings.validCidr("10.0.0.0/")).isFalse();
    }

    @Test
    void readsDotenvFromWorkingDirOrDotenvPath(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(".env"), "PORT=8100\n");
        Files.writeString(dir.resolve("other.env"), "PORT=8200\n");
        assertThat(ServerSettings.resolve(Map.of(), dir)).containsEntry("server.port", 8100);
        assertThat(ServerSettings.resolve(Map.of("DOTENV_PATH", "other.env"), dir)).containsEntry("server.port", 8200);
        assertThatThrownBy(() -> ServerSettings.resolve(Map.of("DOTENV_PATH", "missing.env"), dir))
                .hasMessageContaining("DOTENV_PATH (from the environment) names the environment file \"missing.env\"");
    }

    // --- envoyproxy/ratelimit's variables ---------------------------------------------------------------------------

    @Test
    void mapsAnEnvoyRatelimitEnvironment() {
        Map<String, Object> p = resolve(Map.of(), "GRPC_PORT=9081", "GRPC_HOST=0.0.0.0",
                "RUNTIME_ROOT=/srv/runtime_data/current", "RUNTIME_SUBDIRECTORY=ratelimit", "RUNTIME_APPDIRECTORY=config",
                "RUNTIME_IGNOREDOTFILES=true", "RUNTIME_WATCH_ROOT=false", "SHADOW_MODE=false",
                "LIMIT_RESPONSE_HEADERS_ENABLED=true", "NEAR_LIMIT_RATIO=0.9", "CACHE_KEY_PREFIX=ratelimit_",
                "LOG_LEVEL=warn", "REDIS_SOCKET_TYPE=tcp", "REDIS_TYPE=single", "REDIS_URL=redis:6379",
                "REDIS_AUTH=s3cret", "BACKEND_TYPE=redis", "CONFIG_TYPE=FILE", "MERGE_DOMAIN_CONFIG=false",
                "REDIS_PERSECOND=false", "USE_STATSD=false", "REDIS_POOL_SIZE=10");
        assertThat(p).isEqualTo(Map.ofEntries(
                Map.entry("tollgate.envoy.grpc-port", 9081),
                Map.entry("tollgate.envoy.grpc-host", "0.0.0.0"),
                Map.entry("tollgate.envoy.runtime-root", "/srv/runtime_data/current"),
                Map.entry("tollgate.envoy.runtime-subdirectory", "ratelimit"),
                Map.entry("tollgate.envoy.runtime-app-directory", "config"),
                Map.entry("tollgate.envoy.runtime-ignore-dot-files", true),
                Map.entry("tollgate.envoy.shadow-mode", false),
                Map.entry("tollgate.envoy.response-headers", true),
                Map.entry("tollgate.envoy.near-limit-ratio", 0.9),
                Map.entry("tollgate.redis.key-prefix", "ratelimit_"),
                Map.entry("logging.level.root", "WARN"),
                Map.entry("tollgate.redis.url", "redis://:s3cret@redis:6379")));
    }

    static Stream<Arguments> envoyValues() {
        return Stream.of(
                // environment, exactly the properties it must produce
                Arguments.of(Map.of("GRPC_PORT", "0"), Map.of("tollgate.envoy.grpc-port", 0)),
                Arguments.of(Map.of("GRPC_PORT", "65535"), Map.of("tollgate.envoy.grpc-port", 65535)),
                Arguments.of(Map.of("GRPC_HOST", "::"), Map.of("tollgate.envoy.grpc-host", "::")),
                Arguments.of(Map.of("GRPC_HOST", "ratelimit.internal"), Map.of("tollgate.envoy.grpc-host", "ratelimit.internal")),
                Arguments.of(Map.of("RUNTIME_ROOT", "runtime/current"), Map.of("tollgate.envoy.runtime-root", "runtime/current")),
                Arguments.of(Map.of("RUNTIME_SUBDIRECTORY", "a/b"), Map.of("tollgate.envoy.runtime-subdirectory", "a/b")),
                // Go's filepath.Join(root, "/ratelimit") is root/ratelimit: the leading '/' does not escape the root
                Arguments.of(Map.of("RUNTIME_SUBDIRECTORY", "/ratelimit"), Map.of("tollgate.envoy.runtime-subdirectory", "ratelimit")),
                Arguments.of(Map.of("RUNTIME_APPDIRECTORY", "rl-config"), Map.of("tollgate.envoy.runtime-app-directory", "rl-config")),
                Arguments.of(Map.of("RUNTIME_IGNOREDOTFILES", "T"), Map.of("tollgate.envoy.runtime-ignore-dot-files", true)),
                Arguments.of(Map.of("RUNTIME_IGNOREDOTFILES", "0"), Map.of("tollgate.envoy.runtime-ignore-dot-files", false)),
                Arguments.of(Map.of("RUNTIME_WATCH_ROOT", "true"), Map.of()),
                Arguments.of(Map.of("RUNTIME_WATCH_ROOT", "f"), Map.of()),
                Arguments.of(Map.of("SHADOW_MODE", "TRUE"), Map.of("tollgate.envoy.shadow-mode", true)),
                Arguments.of(Map.of("SHADOW_MODE", "f"), Map.of("tollgate.envoy.shadow-mode", false)),
                Arguments.of(Map.of("LIMIT_RESPONSE_HEADERS_ENABLED", "1"), Map.of("tollgate.envoy.response-headers", true)),
                Arguments.of(Map.of("NEAR_LIMIT_RATIO", "1"), Map.of("tollgate.envoy.near-limit-ratio", 1.0)),
                Arguments.of(Map.of("NEAR_LIMIT_RATIO", ".5"), Map.of("tollgate.envoy.near-limit-ratio", 0.5)),
                Arguments.of(Map.of("NEAR_LIMIT_RATIO", "8e-1"), Map.of("tollgate.envoy.near-limit-ratio", 0.8)),
                Arguments.of(Map.of("NEAR_LIMIT_RATIO", "0.001"), Map.of("tollgate.envoy.near-limit-ratio", 0.001)),
                Arguments.of(Map.of("CACHE_KEY_PREFIX", "rl:prod|eu-1"), Map.of("tollgate.redis.key-prefix", "rl:prod|eu-1")),
                Arguments.of(Map.of("LOG_LEVEL", "trace"), Map.of("logging.level.root", "TRACE")),
                Arguments.of(Map.of("LOG_LEVEL", "DEBUG"), Map.of("logging.level.root", "DEBUG")),
                Arguments.of(Map.of("LOG_LEVEL", "Info"), Map.of("logging.level.root", "INFO")),
                Arguments.of(Map.of("LOG_LEVEL", "warn"), Map.of("logging.level.root", "WARN")),
                Arguments.of(Map.of("LOG_LEVEL", "WARNING"), Map.of("logging.level.root", "WARN")),
                Arguments.of(Map.of("LOG_LEVEL", "error"), Map.of("logging.level.root", "ERROR")),
                Arguments.of(Map.of("LOG_LEVEL", "fatal"), Map.of("logging.level.root", "ERROR")),
                Arguments.of(Map.of("LOG_LEVEL", "PANIC"), Map.of("logging.level.root", "ERROR")),
                Arguments.of(Map.of("REDIS_TYPE", "single"), Map.of()),
                Arguments.of(Map.of("REDIS_TYPE", "SINGLE", "REDIS_HOST", "redis"), Map.of("tollgate.redis.host", "redis")),
                Arguments.of(Map.of("REDIS_SOCKET_TYPE", "tcp"), Map.of()),
                Arguments.of(Map.of("REDIS_SOCKET_TYPE", "TCP"), Map.of()),
                Arguments.of(Map.of("BACKEND_TYPE", "redis"), Map.of()),
                Arguments.of(Map.of("CONFIG_TYPE", "file"), Map.of()),
                Arguments.of(Map.of("MERGE_DOMAIN_CONFIG", "false"), Map.of()),
                Arguments.of(Map.of("REDIS_PERSECOND", "false"), Map.of()),
                // REDIS_AUTH without REDIS_URL: the username/password of the REDIS_HOST form
                Arguments.of(Map.of("REDIS_AUTH", "s3cret"), Map.of("tollgate.redis.password", "s3cret")),
                Arguments.of(Map.of("REDIS_AUTH", "app:s3cret"),
                        Map.of("tollgate.redis.username", "app", "tollgate.redis.password", "s3cret")),
                Arguments.of(Map.of("REDIS_AUTH", "app:s3:cr:et", "REDIS_HOST", "redis"), Map.of("tollgate.redis.host",
                        "redis", "tollgate.redis.username", "app", "tollgate.redis.password", "s3:cr:et")),
                Arguments.of(Map.of("REDIS_AUTH", ":s3cret"), Map.of("tollgate.redis.password", "s3cret")));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("envoyValues")
    void eachEnvoyValueSetsExactlyItsProperties(Map<String, String> env, Map<String, Object> expected) {
        assertThat(resolve(env)).isEqualTo(expected);
        // and the same from the file
        assertThat(resolve(Map.of(), env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .toArray(String[]::new))).isEqualTo(expected);
    }

    @Test
    void envoyVariablesTollgateIgnoresSetNothingAndFailNothing() {
        assertThat(resolve(Map.of(), "USE_STATSD=true", "STATSD_HOST=statsd", "STATSD_PORT=8125", "USE_PROMETHEUS=true",
                "DISABLE_STATS=true", "REDIS_POOL_SIZE=10", "REDIS_PIPELINE_WINDOW=150us", "REDIS_PIPELINE_LIMIT=8",
                "REDIS_PERSECOND_URL=redis2:6379", "REDIS_PERSECOND_TYPE=SINGLE", "DEBUG_PORT=6070", "GRPC_UDS=/tmp/rl.sock",
                "LOCAL_CACHE_SIZE_IN_BYTES=1048576", "EXPIRATION_JITTER_MAX_SECONDS=300",
                "STOP_CACHE_KEY_INCREMENT_WHEN_OVERLIMIT=true", "QUOTA_MODE=true", "HOST=0.0.0.0")).isEmpty();
    }

    static Stream<Arguments> schemeLessRedisUrls() {
        return Stream.of(
                // environment, the URL it must become, its mode and TLS, the user and password Redis must get
                Arguments.of(Map.of("REDIS_URL", "redis:6379"), "redis://redis:6379", Mode.STANDALONE, false, null, null),
                Arguments.of(Map.of("REDIS_URL", "redis:6379", "REDIS_TYPE", "SINGLE", "REDIS_SOCKET_TYPE", "tcp"),
                        "redis://redis:6379", Mode.STANDALONE, false, null, null),
                Arguments.of(Map.of("REDIS_URL", "[::1]:6380", "REDIS_TLS", "true"), "rediss://[::1]:6380",
                        Mode.STANDALONE, true, null, null),
                Arguments.of(Map.of("REDIS_URL", "redis:6379", "REDIS_AUTH", "s3cret"), "redis://:s3cret@redis:6379",
                        Mode.STANDALONE, false, null, "s3cret"),
                Arguments.of(Map.of("REDIS_URL", "redis:6379", "REDIS_AUTH", "app:p@ss:w#rd/?%", "REDIS_TLS", "t"),
                        "rediss://app:p%40ss%3Aw%23rd%2F%3F%25@redis:6379", Mode.STANDALONE, true, "app", "p@ss:w#rd/?%"),
                Arguments.of(Map.of("REDIS_TYPE", "sentinel", "REDIS_URL", "mymaster,s1:26379,s2:26380"),
                        "redis-sentinel://s1:26379,s2:26380#mymaster", Mode.SENTINEL, false, null, null),
                Arguments.of(Map.of("REDIS_TYPE", "Sentinel", "REDIS_URL", "mymaster, s1:26379 ,s2", "REDIS_TLS", "true"),
                        "rediss-sentinel://s1:26379,s2#mymaster", Mode.SENTINEL, true, null, null),
                Arguments.of(Map.of("REDIS_TYPE", "SENTINEL", "REDIS_URL", "my master,s1:26379", "REDIS_AUTH", "app:pw"),
                        "redis-sentinel://app:pw@s1:26379#my%20master", Mode.SENTINEL, false, "app", "pw"),
                Arguments.of(Map.of("REDIS_TYPE", "sentinel", "REDIS_URL", "m,s1:26379", "REDIS_AUTH", "pw",
                        "REDIS_TLS", "true"), "rediss-sentinel://:pw@s1:26379#m", Mode.SENTINEL, true, null, "pw"),
                Arguments.of(Map.of("REDIS_TYPE", "cluster", "REDIS_URL", "h1:7000,h2:7001,h3:7002"),
                        "redis-cluster://h1:7000,h2:7001,h3:7002", Mode.CLUSTER, false, null, null),
                Arguments.of(Map.of("REDIS_TYPE", "CLUSTER", "REDIS_URL", "h1:7000", "REDIS_TLS", "1"),
                        "rediss-cluster://h1:7000", Mode.CLUSTER, true, null, null),
                Arguments.of(Map.of("REDIS_TYPE", "cluster", "REDIS_URL", "h1:7000,h2:7001", "REDIS_AUTH", "app:pw",
                        "REDIS_TLS", "true"), "rediss-cluster://app:pw@h1:7000,h2:7001", Mode.CLUSTER, true, "app", "pw"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("schemeLessRedisUrls")
    void schemeLessRedisUrlIsReadWithRedisType(Map<String, String> env, String url, Mode mode, boolean tls, String user,
            String password) {
        Map<String, Object> expected = new HashMap<>(Map.of("tollgate.redis.url", url));
        if (env.containsKey("REDIS_TLS")) {
            expected.put("tollgate.redis.ssl", tls); // REDIS_TLS sets its property as ever; with a URL it goes unused
        }
        assertThat(resolve(env)).isEqualTo(expected);

        // What the starter makes of it: every node of the right mode gets TLS and the credentials of REDIS_AUTH.
        RedisConnectionSettings settings = RedisConnectionSettings.fromUrl(url);
        assertThat(settings.mode()).isEqualTo(mode);
        assertThat(settings.tls()).isEqualTo(tls);
        assertThat(settings.username()).isEqualTo(user);
        for (RedisURI uri : settings.toRedisUris()) {
            RedisCredentials credentials = uri.getCredentialsProvider().resolveCredentials().block();
            assertThat(credentials.getUsername()).isEqualTo(user);
            assertThat(credentials.getPassword() == null ? null : new String(credentials.getPassword()))
                    .isEqualTo(password);
        }
    }

    @Test
    void redisAuthGoesIntoARedisUrlWithAScheme() {
        assertThat(resolve(Map.of("REDIS_URL", "redis://h:6379/2?timeout=250ms", "REDIS_AUTH", "app:p@ss")))
                .isEqualTo(Map.of("tollgate.redis.url", "redis://app:p%40ss@h:6379/2?timeout=250ms"));
        assertThat(resolve(Map.of("REDIS_URL", "redis-sentinel://@s1:26379#m", "REDIS_AUTH", "pw")))
                .isEqualTo(Map.of("tollgate.redis.url", "redis-sentinel://:pw@s1:26379#m"));
        // A REDIS_TYPE of single never contradicts a URL: it is envoyproxy/ratelimit's default, often set explicitly.
        assertThat(resolve(Map.of("REDIS_URL", "redis-cluster://h1:7000", "REDIS_TYPE", "single")))
                .isEqualTo(Map.of("tollgate.redis.url", "redis-cluster://h1:7000"));
        assertThat(resolve(Map.of("REDIS_URL", "rediss-cluster://h1:7000", "REDIS_TYPE", "cluster")))
                .isEqualTo(Map.of("tollgate.redis.url", "rediss-cluster://h1:7000"));
    }

    @Test
    void conflictsNameBothVariablesAndWhereEachWasSet() {
        assertThatThrownBy(() -> resolve(Map.of("REDIS_PASSWORD", "hunter2"), "# redis", "REDIS_AUTH=hunter2"))
                .isInstanceOf(ServerConfigException.class)
                .hasMessage("REDIS_AUTH (from /app/.env line 2) is (value hidden) and REDIS_PASSWORD (from the"
                        + " environment) is (value hidden), which contradict each other: both give the Redis"
                        + " credentials; use REDIS_AUTH (password or user:password) or REDIS_USERNAME and"
                        + " REDIS_PASSWORD, not both. Fix or remove one of them and start again.");
        assertThatThrownBy(() -> resolve(Map.of("REDIS_TYPE", "cluster"), "REDIS_URL=redis://h:6379"))
                .hasMessageStartingWith("REDIS_TYPE (from the environment) is \"cluster\" and REDIS_URL (from"
                        + " /app/.env line 1) is (value hidden), which contradict each other: REDIS_TYPE=cluster says"
                        + " the nodes are cluster but the URL's scheme says standalone");
        assertThatThrownBy(() -> resolve(Map.of("REDIS_AUTH", "hunter2", "REDIS_URL", "redis://u:xyzzy@h")))
                .hasMessageContaining("REDIS_AUTH (from the environment) is (value hidden) and REDIS_URL (from the"
                        + " environment) is (value hidden)")
                .hasMessageNotContaining("hunter2").hasMessageNotContaining("xyzzy");
    }

    @Test
    void schemeLessRedisUrlErrorsSayWhichFormRedisTypeWants() {
        assertThatThrownBy(() -> resolve(Map.of("REDIS_TYPE", "sentinel"), "REDIS_URL=s1:26379,s2:26379"))
                .isInstanceOf(ServerConfigException.class)
                .hasMessage("REDIS_URL (from /app/.env line 1) is (value hidden), but it must be with"
                        + " REDIS_TYPE=sentinel, the master name, then the sentinels' host:port, such as"
                        + " mymaster,10.0.0.1:26379,10.0.0.2:26379 (envoyproxy/ratelimit's form), or a Redis URL with a"
                        + " scheme such as redis://host:6379, redis-sentinel://host1:26379,host2:26379#mymaster or"
                        + " redis-cluster://host1:7000,host2:7001 (the first entry must be the Sentinel master name, but"
                        + " \"s1:26379\" is an address). Fix or remove it and start again.");
        assertThatThrownBy(() -> resolve(Map.of("REDIS_URL", "h1:6379,h2:6379")))
                .hasMessageContaining("with REDIS_TYPE unset (single), host:port such as redis:6379")
                .hasMessageContaining("REDIS_TYPE single takes one host:port");
    }
}
