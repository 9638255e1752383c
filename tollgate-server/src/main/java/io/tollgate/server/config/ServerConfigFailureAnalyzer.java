package io.tollgate.server.config;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Reports a {@link ServerConfigException} as Spring Boot's short "APPLICATION FAILED TO START" text, without a stack trace. */
public class ServerConfigFailureAnalyzer extends AbstractFailureAnalyzer<ServerConfigException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ServerConfigException cause) {
        return new FailureAnalysis(cause.getMessage(),
                "Correct the value in .env or in the environment (see .env.example for every variable and its default).",
                cause);
    }
}
