package io.tollgate.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Reports a {@link TollgateConfigurationException} as a description and an action instead of a stack trace. */
public class TollgateConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<TollgateConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, TollgateConfigurationException cause) {
        String description = "Tollgate rate limiting is misconfigured.\n\n    Property: " + cause.property()
                + "\n    Value: " + cause.value() + "\n    Reason: " + cause.problem();
        String action = "Correct " + cause.property() + " in your application configuration"
                + " (or set tollgate.enabled=false to start without rate limiting).";
        return new FailureAnalysis(description, action, cause);
    }
}
