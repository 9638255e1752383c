package io.tollgate.server.envoy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * On when {@code tollgate.envoy.enabled} is true; off when it is false; when unset, on exactly when the runtime
 * configuration folder exists, so an image that mounts envoyproxy/ratelimit's files serves them without a new setting,
 * and the demo service without them starts as before.
 */
class EnvoyServiceCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Binder binder = Binder.get(context.getEnvironment());
        Boolean enabled = binder.bind("tollgate.envoy.enabled", Boolean.class).orElse(null);
        if (enabled != null) {
            return new ConditionOutcome(enabled, "tollgate.envoy.enabled is " + enabled);
        }
        EnvoyProperties props = binder.bind("tollgate.envoy", EnvoyProperties.class).orElseGet(EnvoyProperties::new);
        Path dir = props.toRuntimeLocation().configDirectory();
        boolean exists = Files.isDirectory(dir);
        return new ConditionOutcome(exists, "runtime configuration folder " + dir + (exists ? " exists" : " is absent")
                + " and tollgate.envoy.enabled is unset");
    }

}
