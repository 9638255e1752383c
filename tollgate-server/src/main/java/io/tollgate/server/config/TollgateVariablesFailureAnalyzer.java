package io.tollgate.server.config;

import io.tollgate.spring.TollgateConfigurationException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

/**
 * Reports the starter's configuration errors in this server's own vocabulary: operators set {@code REDIS_HOST} or
 * {@code RATE_LIMIT_RULES_PATH}, not {@code tollgate.redis.host}, so the report names the variable as well as the
 * property. Runs before the starter's analyzer, which stays the fallback for anything not mapped here.
 */
public class TollgateVariablesFailureAnalyzer extends AbstractFailureAnalyzer<TollgateConfigurationException>
        implements Ordered {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, TollgateConfigurationException cause) {
        String variable = variableFor(cause.property());
        if (variable == null) {
            return null;
        }
        String problem = cause.problem().replace("tollgate.redis.required-at-startup=false", "REDIS_REQUIRED_AT_STARTUP=false");
        String description = "Tollgate rate limiting is misconfigured.\n\n    Variable: " + variable
                + "\n    Property: " + cause.property() + "\n    Value: " + cause.value() + "\n    Reason: " + problem;
        String action = "Correct " + variable + " in .env or in the environment (see .env.example), then start again.";
        return new FailureAnalysis(description, action, cause);
    }

    /** The server variable(s) that set a starter property, or {@code null} when the server has none for it. */
    static String variableFor(String property) {
        if (property == null) {
            return null;
        }
        if (property.startsWith("tollgate.rules-file") || property.startsWith("tollgate.rules")) {
            return "RATE_LIMIT_RULES_PATH";
        }
        if (property.startsWith("tollgate.redis.required-at-startup")) {
            return "REDIS_REQUIRED_AT_STARTUP";
        }
        if (property.startsWith("tollgate.redis.url")) {
            return "REDIS_URL";
        }
        if (property.startsWith("tollgate.redis")) {
            return "REDIS_URL or REDIS_HOST / REDIS_PORT / REDIS_DB / REDIS_PASSWORD";
        }
        if (property.startsWith("tollgate.trusted-proxies")) {
            return "TRUSTED_PROXIES";
        }
        if (property.startsWith("tollgate.expected-instances")) {
            return "EXPECTED_INSTANCES";
        }
        if (property.startsWith("tollgate.failure-policy")) {
            return "FAILURE_POLICY";
        }
        return null;
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
