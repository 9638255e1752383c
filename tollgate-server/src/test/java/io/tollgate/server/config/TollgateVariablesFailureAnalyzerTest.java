package io.tollgate.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.spring.TollgateConfigurationException;
import org.junit.jupiter.api.Test;
import org.springframework.boot.diagnostics.FailureAnalysis;

class TollgateVariablesFailureAnalyzerTest {

    private final TollgateVariablesFailureAnalyzer analyzer = new TollgateVariablesFailureAnalyzer();

    @Test
    void namesTheServerVariableForAStarterProperty() {
        FailureAnalysis a = analyzer.analyze(new IllegalStateException(new TollgateConfigurationException(
                "tollgate.redis", "standalone 127.0.0.1:1", "Redis is unreachable at startup (x). Start Redis, fix the"
                        + " address, or set tollgate.redis.required-at-startup=false to start anyway")));
        assertThat(a.getDescription()).contains("Variable: REDIS_URL or REDIS_HOST / REDIS_PORT / REDIS_DB / REDIS_PASSWORD")
                .contains("Property: tollgate.redis").contains("set REDIS_REQUIRED_AT_STARTUP=false to start anyway");
        assertThat(a.getAction()).startsWith("Correct REDIS_URL or REDIS_HOST");
    }

    @Test
    void mapsEachKnownPropertyAndLeavesTheRestToTheStarter() {
        assertThat(TollgateVariablesFailureAnalyzer.variableFor("tollgate.rules-file")).isEqualTo("RATE_LIMIT_RULES_PATH");
        assertThat(TollgateVariablesFailureAnalyzer.variableFor("tollgate.trusted-proxies[1]")).isEqualTo("TRUSTED_PROXIES");
        assertThat(TollgateVariablesFailureAnalyzer.variableFor("tollgate.redis.url")).isEqualTo("REDIS_URL");
        assertThat(TollgateVariablesFailureAnalyzer.variableFor("tollgate.expected-instances")).isEqualTo("EXPECTED_INSTANCES");
        assertThat(TollgateVariablesFailureAnalyzer.variableFor("tollgate.failure-policy")).isEqualTo("FAILURE_POLICY");
        assertThat(TollgateVariablesFailureAnalyzer.variableFor("tollgate.envoy.grpc-port")).isEqualTo("GRPC_PORT");
        assertThat(TollgateVariablesFailureAnalyzer.variableFor("tollgate.envoy.runtime-root")).isEqualTo("RUNTIME_ROOT");
        assertThat(TollgateVariablesFailureAnalyzer.variableFor("tollgate.redis.key-prefix")).isEqualTo("CACHE_KEY_PREFIX");
        assertThat(TollgateVariablesFailureAnalyzer.variableFor("tollgate.memory.max-buckets")).isNull();
        assertThat(analyzer.analyze(new TollgateConfigurationException("tollgate.memory.max-buckets", "0", "must be at least 1")))
                .isNull();
    }

    @Test
    void namesTheEnvoyVariableForAnEnvoyProperty() {
        FailureAnalysis a = analyzer.analyze(new TollgateConfigurationException("tollgate.envoy.grpc-port", "8081",
                "the port is already in use"));
        assertThat(a.getDescription()).contains("Variable: GRPC_PORT").contains("Property: tollgate.envoy.grpc-port")
                .contains("Reason: the port is already in use");
        assertThat(a.getAction()).startsWith("Correct GRPC_PORT");
        assertThat(analyzer.analyze(new TollgateConfigurationException("tollgate.redis", "standalone h:1", "x"))
                .getDescription()).contains("/ REDIS_TYPE / REDIS_AUTH");
    }
}
