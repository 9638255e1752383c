package io.tollgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an operator sees when the configuration is wrong: one clear paragraph, a non-zero exit, no stack trace. */
class StartupFailureTest {

    @TempDir
    Path dir;

    private static void assertNoStackTrace(String output) {
        assertThat(output).doesNotContainPattern("\\n\\s+at [a-z]+\\.").doesNotContain("Exception in thread");
    }

    @Test
    void badPortInDotenv() throws Exception {
        Files.writeString(dir.resolve(".env"), "# demo\nPORT=abc\n");
        ChildJvm.Outcome out = ChildJvm.run(dir, Map.of(), 60);
        assertThat(out.exitCode()).isEqualTo(2);
        assertThat(out.output().strip()).isEqualTo("Tollgate cannot start: PORT (from " + dir.resolve(".env").toAbsolutePath()
                + " line 2) is \"abc\", but it must be a TCP port from 0 to 65535 (0 picks a free port). Fix or remove it and start again.");
    }

    @Test
    void outOfRangePortFromEnvironmentBeatsAGoodFile() throws Exception {
        Files.writeString(dir.resolve(".env"), "PORT=8000\n");
        ChildJvm.Outcome out = ChildJvm.run(dir, Map.of("PORT", "70000"), 60);
        assertThat(out.exitCode()).isEqualTo(2);
        assertThat(out.output()).contains("PORT (from the environment) is \"70000\"");
        assertNoStackTrace(out.output());
    }

    @Test
    void unparseableDotenvLineAndBadValues() throws Exception {
        Files.writeString(dir.resolve(".env"), "REDIS_HOST=localhost\nnot a setting\n");
        ChildJvm.Outcome out = ChildJvm.run(dir, Map.of(), 60);
        assertThat(out.exitCode()).isEqualTo(2);
        assertThat(out.output()).contains(dir.resolve(".env").toAbsolutePath() + " has a syntax error on line 2");
        assertNoStackTrace(out.output());

        Files.writeString(dir.resolve(".env"), "REDIS_PORT=99999\n");
        assertThat(ChildJvm.run(dir, Map.of(), 60).output()).contains("REDIS_PORT (from ").contains("is \"99999\"");
        Files.writeString(dir.resolve(".env"), "REDIS_DB=zero\n");
        assertThat(ChildJvm.run(dir, Map.of(), 60).output()).contains("REDIS_DB (from ").contains("is \"zero\"");
        Files.writeString(dir.resolve(".env"), "TRUSTED_PROXIES=10.0.0.0/8,not-a-cidr\n");
        assertThat(ChildJvm.run(dir, Map.of(), 60).output()).contains("TRUSTED_PROXIES (from ").contains("\"not-a-cidr\" is not one");
        Files.writeString(dir.resolve(".env"), "LOG_FORMAT=yaml\n");
        assertThat(ChildJvm.run(dir, Map.of(), 60).output()).contains("LOG_FORMAT (from ").contains("\"json\"");
    }

    @Test
    void invalidEnvoyConfigurationStopsStartupNamingFileDescriptorAndField() throws Exception {
        Path config = dir.resolve("runtime/ratelimit/config");
        Files.createDirectories(config);
        Files.writeString(config.resolve("edge.yaml"), """
                domain: edge
                descriptors:
                  - key: remote_address
                    rate_limit:
                      unit: fortnight
                      requests_per_unit: 10
                """);
        String rules = Path.of("..", "rate_limits.json").toAbsolutePath().normalize().toString();
        ChildJvm.Outcome out = ChildJvm.run(dir, Map.of("PORT", "0", "GRPC_PORT", "0", "RATE_LIMIT_RULES_PATH", rules,
                "RUNTIME_ROOT", dir.resolve("runtime").toString(), "RUNTIME_SUBDIRECTORY", "ratelimit"), 120);
        assertThat(out.exitCode()).isNotZero();
        assertThat(out.output()).contains("APPLICATION FAILED TO START")
                .contains("The Envoy rate-limit configuration cannot be loaded")
                .contains("edge.yaml: descriptor descriptors[0] (edge.remote_address), field \"rate_limit.unit\", line 5:"
                        + " invalid rate limit unit 'fortnight'")
                .contains("TOLLGATE_ENVOY_ENABLED=false");
        assertNoStackTrace(out.output());
    }

    @Test
    void missingRulesFileStopsStartupCleanly() throws Exception {
        // No rate_limits.json in the working directory: Spring starts, the starter refuses, Boot reports it.
        ChildJvm.Outcome out = ChildJvm.run(dir, Map.of("PORT", "0"), 120);
        assertThat(out.exitCode()).isNotZero();
        assertThat(out.output()).contains("APPLICATION FAILED TO START").contains("rate_limits.json")
                .contains("Variable: RATE_LIMIT_RULES_PATH");
        assertNoStackTrace(out.output());
    }

    @Test
    void invalidRulesFileStopsStartupCleanly() throws Exception {
        Files.writeString(dir.resolve("rules.json"), "{\"default\": {\"capacity\": -5, \"refill_rate\": 5}}");
        ChildJvm.Outcome out = ChildJvm.run(dir, Map.of("PORT", "0", "RATE_LIMIT_RULES_PATH", "rules.json"), 120);
        assertThat(out.exitCode()).isNotZero();
        assertThat(out.output()).contains("APPLICATION FAILED TO START").contains("rules.json").contains("capacity");
        assertNoStackTrace(out.output());
    }
}
