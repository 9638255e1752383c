package io.tollgate.scg;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Reports a {@link TollgateRouteException} as the route, the setting, the value and the fix, not a stack trace. */
public class TollgateRouteFailureAnalyzer extends AbstractFailureAnalyzer<TollgateRouteException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, TollgateRouteException cause) {
        String description = "Tollgate cannot rate-limit Spring Cloud Gateway route \"" + cause.routeId() + "\".\n\n"
                + "    Route: " + cause.routeId() + "\n"
                + "    Setting: " + cause.setting() + "\n"
                + "    Value: " + (cause.value() == null ? "(not set)" : cause.value()) + "\n"
                + "    Reason: " + cause.problem()
                + (cause.where() == null ? "" : "\n    Configured at: " + cause.where());
        String action = "Correct " + cause.setting() + " in the RequestRateLimiter filter args of route \""
                + cause.routeId() + "\" (or set tollgate.enabled=false to start without rate limiting).";
        return new FailureAnalysis(description, action, cause);
    }
}
