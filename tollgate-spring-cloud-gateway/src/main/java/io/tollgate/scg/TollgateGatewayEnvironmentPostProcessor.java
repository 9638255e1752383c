package io.tollgate.scg;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.ClassUtils;

/**
 * In a Spring Cloud Gateway application, turns the starter's HTTP filters off by default
 * ({@code tollgate.web.enabled=false}): a gateway limits each route with its {@code RequestRateLimiter}, and the
 * starter's {@code WebFilter} would apply Tollgate's rules by path to every request before routing, on top.
 *
 * <p>Applies when this module's auto-configuration does: the gateway's rate-limiter classes are on the class path and
 * {@code tollgate.scg.enabled} is not false. Runs after the other post-processors, once the application's configuration
 * is loaded, and leaves {@code tollgate.web.enabled} alone when any source sets it (properties, YAML, environment,
 * command line, SpringApplication's default properties). Otherwise it adds the default as the last property source,
 * {@value #SOURCE}, so that sources added later win too.
 */
public final class TollgateGatewayEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

    /** The property source that holds the default. */
    static final String SOURCE = "tollgateGatewayDefaults";

    private static final String PROPERTY = "tollgate.web.enabled";

    /** The classes {@link TollgateGatewayAutoConfiguration} is conditional on. */
    private static final String[] GATEWAY_CLASSES = {TollgateGatewayAutoConfiguration.ABSTRACT_RATE_LIMITER,
            TollgateGatewayAutoConfiguration.RATE_LIMITER_FILTER_FACTORY};

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        ClassLoader loader = application.getClassLoader();
        for (String name : GATEWAY_CLASSES) {
            if (!ClassUtils.isPresent(name, loader)) {
                return;
            }
        }
        if (!environment.getProperty("tollgate.scg.enabled", Boolean.class, true)
                || environment.containsProperty(PROPERTY)) {
            return;
        }
        environment.getPropertySources().addLast(new MapPropertySource(SOURCE, Map.of(PROPERTY, "false")));
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
