package io.tollgate.server.envoy;

import io.tollgate.envoy.config.EnvoyConfigException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Reports an invalid or missing Envoy configuration at start-up as a short report naming every bad file and field. */
public class EnvoyConfigFailureAnalyzer extends AbstractFailureAnalyzer<EnvoyConfigException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, EnvoyConfigException cause) {
        return new FailureAnalysis("The Envoy rate-limit configuration cannot be loaded:\n" + cause.getMessage(),
                "Correct the file(s) named above (envoyproxy/ratelimit's YAML format), or point RUNTIME_ROOT,"
                        + " RUNTIME_SUBDIRECTORY and RUNTIME_APPDIRECTORY at the folder that holds them. Set"
                        + " TOLLGATE_ENVOY_ENABLED=false to start without the Envoy service.", cause);
    }
}
