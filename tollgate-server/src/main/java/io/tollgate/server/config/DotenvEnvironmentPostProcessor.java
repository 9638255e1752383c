package io.tollgate.server.config;

import java.nio.file.Path;
import java.util.Map;
import org.apache.commons.logging.Log;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.config.ConfigDataEnvironmentPostProcessor;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;

/**
 * Makes the original service's configuration work unchanged: reads {@code .env} and the variables it mirrors, and
 * publishes them as {@code tollgate.*} / {@code server.port} / logging properties.
 *
 * <p>Precedence, highest first: command-line arguments and system properties, real environment variables (both the
 * original names like {@code REDIS_HOST}, handled here, and Spring names like {@code TOLLGATE_REDIS_HOST}), then this
 * source, then {@code application.properties}. It runs after config data is loaded so it can be placed right below
 * the system environment.
 *
 * <p>Throws {@link ServerConfigException} for any bad value; {@link ServerConfigFailureAnalyzer} turns it into a short
 * report.
 */
public class DotenvEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

    /** Name of the property source this adds. */
    public static final String SOURCE_NAME = "tollgateDotenv";

    private final Log log;
    private final Map<String, String> env;
    private final Path workingDir;

    /** Used by Spring Boot: the process environment and the working directory. */
    public DotenvEnvironmentPostProcessor(DeferredLogFactory logs) {
        this(logs, System.getenv(), Path.of(""));
    }

    /** For tests: an explicit environment and working directory. */
    DotenvEnvironmentPostProcessor(DeferredLogFactory logs, Map<String, String> env, Path workingDir) {
        this.log = logs.getLog(DotenvEnvironmentPostProcessor.class);
        this.env = env;
        this.workingDir = workingDir;
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        Map<String, Object> properties = ServerSettings.resolve(env, workingDir);
        if (properties.isEmpty()) {
            return;
        }
        MapPropertySource source = new MapPropertySource(SOURCE_NAME, properties);
        MutablePropertySources sources = environment.getPropertySources();
        if (sources.contains(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME)) {
            sources.addAfter(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, source);
        } else {
            sources.addLast(source);
        }
        log.debug("Applied " + properties.keySet() + " from .env and the environment");
    }

    @Override
    public int getOrder() {
        return ConfigDataEnvironmentPostProcessor.ORDER + 1;
    }
}
