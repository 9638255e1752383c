package io.tollgate.server.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
                Arguments.of("this line has no equals sign", List.of("line 1", "KEY=VALUE")),
                Arguments.of("1PORT=8000", List.of("line 1", "\"1PORT\"", "not a valid variable name")),
                Arguments.of("PORT=\"8000", List.of("line 1", "PORT", "no closing")),
                Arguments.of("PORT=\"8000\" trailing", List.of("line 1", "PORT", "after the closing quote")));
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
