package io.tollgate.server;

import io.tollgate.server.config.ServerConfigException;
import io.tollgate.server.config.ServerSettings;
import java.nio.file.Path;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A small WebFlux service protected by Tollgate: {@code /} and {@code /special_path} are rate limited,
 * {@code /health} and {@code /metrics} are exempt. Configured by {@code .env}, the environment and
 * {@code rate_limits.json}, like the service it replaces. Non-canonical request paths ({@code /health/../x},
 * {@code /health;a=b}, {@code %2F}, ...) get a 404 after the limiter has counted them; see
 * {@link io.tollgate.server.web.CanonicalPathFilter}.
 */
@SpringBootApplication
public class TollgateServer {

    /** Exit status for a configuration error found before Spring starts. */
    static final int CONFIG_ERROR_EXIT = 2;

    public static void main(String[] args) {
        // Check .env before Spring starts: a typo in PORT should print one paragraph, not a logging preamble.
        try {
            ServerSettings.resolve(System.getenv(), Path.of(""));
        } catch (ServerConfigException e) {
            System.err.println("Tollgate cannot start: " + e.getMessage());
            System.exit(CONFIG_ERROR_EXIT);
        }
        SpringApplication.run(TollgateServer.class, args);
    }
}
