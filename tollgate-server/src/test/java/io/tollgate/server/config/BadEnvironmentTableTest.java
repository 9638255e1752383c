package io.tollgate.server.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every malformed {@code .env} line or value gets one clear error naming the variable (or line), where it came from
 * and the bad value, never a stack trace or a silent default. Secrets are never echoed.
 */
class BadEnvironmentTableTest {

    static Stream<Arguments> badLines() {
        return Stream.of(
                // line in .env, fragments the message must contain
                Arguments.of("PORT=abc", List.of("PORT", "line 1", "\"abc\"", "TCP port")),
                Arguments.of("PORT=70000", List.of("PORT", "\"70000\"", "0 to 65535")),
                Arguments.of("PORT=-1", List.of("PORT", "\"-1\"")),
                Arguments.of("PORT=80.5", List.of("PORT", "\"80.5\"")),
                Arguments.of("PORT=", List.of()), // blank means unset: no error (checked separately below)
                Arguments.of("REDIS_PORT=0", List.of("REDIS_PORT", "\"0\"")),
                Arguments.of("REDIS_PORT=65536", List.of("REDIS_PORT", "\"65536\"")),
                Arguments.of("REDIS_PORT=six", List.of("REDIS_PORT", "\"six\"")),
                Arguments.of("REDIS_DB=-1", List.of("REDIS_DB", "\"-1\"")),
                Arguments.of("REDIS_DB=one", List.of("REDIS_DB", "\"one\"", "database number")),
                Arguments.of("REDIS_DB=99999999999", List.of("REDIS_DB", "\"99999999999\"")),
                Arguments.of("REDIS_URL=http://user:hunter2@host", List.of("REDIS_URL", "(value hidden)")),
                Arguments.of("REDIS_URL=redis://:hunter2@", List.of("REDIS_URL", "(value hidden)")),
                Arguments.of("REDIS_HOST=bad host name", List.of("REDIS_HOST", "\"bad host name\"", "host name or IP")),
                Arguments.of("TRUSTED_PROXIES=10.0.0.300/24", List.of("TRUSTED_PROXIES", "10.0.0.300/24")),
                Arguments.of("TRUSTED_PROXIES=10.0.0.0/33", List.of("TRUSTED_PROXIES", "10.0.0.0/33")),
                Arguments.of("TRUSTED_PROXIES=proxy.example", List.of("TRUSTED_PROXIES", "proxy.example")),
                Arguments.of("TRUSTED_PROXIES=fd00::/129", List.of("TRUSTED_PROXIES", "fd00::/129")),
                Arguments.of("TRUSTED_PROXIES=10.0.0.0/8;10.1.0.0/16", List.of("TRUSTED_PROXIES", "10.0.0.0/8;10.1.0.0/16")),
                Arguments.of("LOG_FORMAT=xml", List.of("LOG_FORMAT", "\"xml\"")),
                Arguments.of("FAILURE_POLICY=maybe", List.of("FAILURE_POLICY", "\"maybe\"", "fail-open (the default", "fail-open-unbounded, fail-closed or local")),
                Arguments.of("EXPECTED_INSTANCES=0", List.of("EXPECTED_INSTANCES", "\"0\"")),
                Arguments.of("EXPECTED_INSTANCES=many", List.of("EXPECTED_INSTANCES", "\"many\"")),
                Arguments.of("REDIS_REQUIRED_AT_STARTUP=perhaps", List.of("REDIS_REQUIRED_AT_STARTUP", "true or false")),
                Arguments.of("MASK_CLIENT_KEYS=sometimes", List.of("MASK_CLIENT_KEYS", "\"sometimes\"")),
                // envoyproxy/ratelimit's variables
                Arguments.of("GRPC_PORT=abc", List.of("GRPC_PORT", "\"abc\"", "0 to 65535")),
                Arguments.of("GRPC_PORT=65536", List.of("GRPC_PORT", "\"65536\"", "0 to 65535")),
                Arguments.of("GRPC_HOST=bad host", List.of("GRPC_HOST", "\"bad host\"", "to listen on")),
                Arguments.of("RUNTIME_ROOT=/srv/\u0000x", List.of("RUNTIME_ROOT", "a directory path")),
                Arguments.of("RUNTIME_SUBDIRECTORY=../elsewhere", List.of("RUNTIME_SUBDIRECTORY", "\"../elsewhere\"", "without '..'")),
                Arguments.of("RUNTIME_APPDIRECTORY=config/../../x", List.of("RUNTIME_APPDIRECTORY", "\"config/../../x\"", "relative to RUNTIME_SUBDIRECTORY")),
                Arguments.of("RUNTIME_IGNOREDOTFILES=maybe", List.of("RUNTIME_IGNOREDOTFILES", "\"maybe\"", "true or false")),
                Arguments.of("RUNTIME_WATCH_ROOT=maybe", List.of("RUNTIME_WATCH_ROOT", "\"maybe\"", "true or false")),
                Arguments.of("SHADOW_MODE=perhaps", List.of("SHADOW_MODE", "\"perhaps\"", "true or false")),
                Arguments.of("LIMIT_RESPONSE_HEADERS_ENABLED=enabled", List.of("LIMIT_RESPONSE_HEADERS_ENABLED", "\"enabled\"", "true or false")),
                Arguments.of("NEAR_LIMIT_RATIO=0", List.of("NEAR_LIMIT_RATIO", "\"0\"", "above 0 and at most 1")),
                Arguments.of("NEAR_LIMIT_RATIO=1.01", List.of("NEAR_LIMIT_RATIO", "\"1.01\"")),
                Arguments.of("NEAR_LIMIT_RATIO=-0.5", List.of("NEAR_LIMIT_RATIO", "\"-0.5\"")),
                Arguments.of("NEAR_LIMIT_RATIO=80%", List.of("NEAR_LIMIT_RATIO", "\"80%\"")),
                Arguments.of("NEAR_LIMIT_RATIO=NaN", List.of("NEAR_LIMIT_RATIO", "\"NaN\"")),
                Arguments.of("CACHE_KEY_PREFIX=rate limit", List.of("CACHE_KEY_PREFIX", "\"rate limit\"", "1-64 characters of [A-Za-z0-9._:-|]")),
                Arguments.of("CACHE_KEY_PREFIX=" + "p".repeat(65), List.of("CACHE_KEY_PREFIX", "1-64 characters")),
                Arguments.of("LOG_LEVEL=verbose", List.of("LOG_LEVEL", "\"verbose\"", "trace, debug, info, warn (or warning), error, fatal or panic")),
                Arguments.of("REDIS_TYPE=master", List.of("REDIS_TYPE", "\"master\"", "single (the default), sentinel or cluster")),
                Arguments.of("REDIS_TYPE=cluster", List.of("REDIS_TYPE", "\"cluster\"", "REDIS_URL is not set")),
                Arguments.of("REDIS_SOCKET_TYPE=unix", List.of("REDIS_SOCKET_TYPE", "\"unix\"", "Tollgate connects to Redis over TCP only; set REDIS_SOCKET_TYPE=tcp and REDIS_URL=host:port")),
                Arguments.of("REDIS_SOCKET_TYPE=udp", List.of("REDIS_SOCKET_TYPE", "\"udp\"", "tcp")),
                Arguments.of("REDIS_AUTH=hunter2:", List.of("REDIS_AUTH", "(value hidden)", "non-empty password")),
                Arguments.of("BACKEND_TYPE=memcache", List.of("BACKEND_TYPE", "\"memcache\"", "does not support", "no Memcached backend")),
                Arguments.of("BACKEND_TYPE=dynamodb", List.of("BACKEND_TYPE", "\"dynamodb\"", "redis")),
                Arguments.of("CONFIG_TYPE=GRPC_XDS_SOTW", List.of("CONFIG_TYPE", "\"GRPC_XDS_SOTW\"", "does not support", "YAML files under RUNTIME_ROOT only")),
                Arguments.of("CONFIG_TYPE=consul", List.of("CONFIG_TYPE", "\"consul\"", "FILE")),
                Arguments.of("MERGE_DOMAIN_CONFIG=true", List.of("MERGE_DOMAIN_CONFIG", "\"true\"", "does not support", "a domain defined in two files is an error")),
                Arguments.of("MERGE_DOMAIN_CONFIG=sometimes", List.of("MERGE_DOMAIN_CONFIG", "true or false")),
                Arguments.of("REDIS_PERSECOND=true", List.of("REDIS_PERSECOND", "\"true\"", "does not support", "the one Redis of REDIS_URL")),
                Arguments.of("REDIS_URL=h1:6379,h2:6379", List.of("REDIS_URL", "(value hidden)", "REDIS_TYPE unset (single)", "takes one host:port")),
                Arguments.of("REDIS_URL=/var/run/nutcracker/ratelimit.sock", List.of("REDIS_URL", "(value hidden)", "Unix socket", "over TCP only")),
                Arguments.of("REDIS_URL=hunter2@redis:6379", List.of("REDIS_URL", "(value hidden)", "set REDIS_AUTH=password")),
                Arguments.of("REDIS_URL=redis:abc", List.of("REDIS_URL", "port \"abc\" of host redis")),
                Arguments.of("REDIS_URL=h1:6379,,h2", List.of("REDIS_URL", "empty entry")),
                Arguments.of("this line has no equals sign", List.of("line 1", "KEY=VALUE")),
                Arguments.of("1PORT=8000", List.of("line 1", "\"1PORT\"", "not a valid variable name")),
                Arguments.of("PORT=\"8000", List.of("line 1", "PORT", "no closing")),
                Arguments.of("PORT=\"8000\" trailing", List.of("line 1", "PORT", "after the closing quote")));
    }

    static Stream<Arguments> badCombinations() {
        return Stream.of(
                // lines in .env (or the same variables in the environment), fragments the message must contain
                Arguments.of(List.of("REDIS_TYPE=sentinel", "REDIS_URL=h1:26379,h2:26379"),
                        List.of("REDIS_URL", "REDIS_TYPE=sentinel", "must be the Sentinel master name", "\"h1:26379\" is an address")),
                Arguments.of(List.of("REDIS_TYPE=sentinel", "REDIS_URL=mymaster"),
                        List.of("REDIS_URL", "at least one sentinel host:port")),
                Arguments.of(List.of("REDIS_TYPE=SENTINEL", "REDIS_URL=mymaster,s1:26379", "REDIS_TLS=maybe"),
                        List.of("REDIS_TLS", "\"maybe\"", "true or false")),
                Arguments.of(List.of("REDIS_TYPE=cluster", "REDIS_URL=h1:7000,h2:x", "REDIS_AUTH=hunter2"),
                        List.of("REDIS_URL", "REDIS_TYPE=cluster", "port \"x\" of host h2")),
                Arguments.of(List.of("REDIS_TYPE=cluster", "REDIS_URL=redis://:hunter2@h:6379"),
                        List.of("REDIS_TYPE", "\"cluster\"", "REDIS_URL", "(value hidden)", "contradict", "scheme says standalone")),
                Arguments.of(List.of("REDIS_TYPE=sentinel", "REDIS_URL=redis-cluster://h1:7000,h2:7001"),
                        List.of("REDIS_TYPE", "REDIS_URL", "scheme says cluster")),
                Arguments.of(List.of("REDIS_TYPE=cluster", "REDIS_HOST=redis"), List.of("REDIS_TYPE", "REDIS_URL is not set")),
                Arguments.of(List.of("REDIS_TYPE=bogus", "REDIS_URL=h:6379"), List.of("REDIS_TYPE", "\"bogus\"")),
                Arguments.of(List.of("REDIS_AUTH=hunter2", "REDIS_PASSWORD=hunter2"),
                        List.of("REDIS_AUTH", "REDIS_PASSWORD", "(value hidden)", "not both")),
                Arguments.of(List.of("REDIS_AUTH=app:hunter2", "REDIS_USERNAME=app"),
                        List.of("REDIS_AUTH", "REDIS_USERNAME", "\"app\"", "not both")),
                Arguments.of(List.of("REDIS_AUTH=hunter2", "REDIS_URL=redis://:hunter2x@h:6379"),
                        List.of("REDIS_AUTH", "REDIS_URL", "keep them in one place")),
                Arguments.of(List.of("REDIS_AUTH=hunter2:", "REDIS_URL=h:6379"), List.of("REDIS_AUTH", "non-empty password")),
                Arguments.of(List.of("REDIS_SOCKET_TYPE=unix", "REDIS_URL=/var/run/nutcracker/ratelimit.sock"),
                        List.of("REDIS_SOCKET_TYPE", "Tollgate connects to Redis over TCP only; set REDIS_SOCKET_TYPE=tcp and REDIS_URL=host:port")));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("badCombinations")
    void eachBadCombinationIsNamedClearly(List<String> lines, List<String> fragments) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : lines) {
            env.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
        }
        for (Runnable resolve : List.<Runnable>of(
                () -> ServerSettings.resolve(DotenvFile.parse("/srv/.env", lines), Map.of()),
                () -> ServerSettings.resolve(DotenvFile.empty("/srv/.env"), env))) {
            assertThatThrownBy(resolve::run)
                    .isInstanceOf(ServerConfigException.class)
                    .hasMessageNotContaining("hunter2")
                    .satisfies(e -> {
                        org.assertj.core.api.Assertions.assertThat(e.getMessage())
                                .containsAnyOf("from /srv/.env line", "from the environment");
                        for (String f : fragments) {
                            org.assertj.core.api.Assertions.assertThat(e.getMessage()).contains(f);
                        }
                    });
        }
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("badLines")
    void eachBadValueIsNamedClearly(String line, List<String> fragments) {
        if (fragments.isEmpty()) {
            ServerSettings.resolve(DotenvFile.parse("/srv/.env", List.of(line)), Map.of());
            return;
        }
        assertThatThrownBy(() -> ServerSettings.resolve(DotenvFile.parse("/srv/.env", List.of(line)), Map.of()))
                .isInstanceOf(ServerConfigException.class)
                .hasMessageContaining("/srv/.env")
                .hasMessageNotContaining("hunter2")
                .satisfies(e -> {
                    for (String f : fragments) {
                        org.assertj.core.api.Assertions.assertThat(e.getMessage()).contains(f);
                    }
                });
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("badLines")
    void theSameValueFromTheRealEnvironmentIsNamedToo(String line, List<String> fragments) {
        int eq = line.indexOf('=');
        if (fragments.isEmpty() || eq <= 0 || fragments.get(0).startsWith("line")) {
            return; // file syntax errors have no environment equivalent
        }
        String name = line.substring(0, eq);
        String value = line.substring(eq + 1);
        assertThatThrownBy(() -> ServerSettings.resolve(DotenvFile.empty("/srv/.env"), Map.of(name, value)))
                .isInstanceOf(ServerConfigException.class)
                .hasMessageContaining(name)
                .hasMessageContaining("from the environment")
                .hasMessageNotContaining("hunter2");
    }
}
