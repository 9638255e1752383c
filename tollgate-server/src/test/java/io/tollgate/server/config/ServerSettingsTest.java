package io.tollgate.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
}
