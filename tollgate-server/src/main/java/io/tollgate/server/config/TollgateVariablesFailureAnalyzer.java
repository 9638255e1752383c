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

    /** The server variable(s) that set a starter property, or {@code null}; see {@link ServerVariable#variableFor}. */
    static String variableFor(String property) {
        return ServerVariable.variableFor(property);
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
