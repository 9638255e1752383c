package io.tollgate.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.env.StandardEnvironment;

class DotenvEnvironmentPostProcessorTest {

    private static final DeferredLogFactory LOGS = destination -> LogFactory.getLog(DotenvEnvironmentPostProcessorTest.class);

    @Test
    void dotenvSitsBelowRealEnvironmentAndCommandLine(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(".env"), "PORT=8100\nREDIS_HOST=file-host\nREDIS_PORT=6390\n");
        StandardEnvironment environment = new StandardEnvironment();
        // Stand-ins for the real environment (Spring-style names) and the command line.
        environment.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new MapPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        Map.of("tollgate.redis.port", "6399")));
        environment.getPropertySources().addFirst(new SimpleCommandLinePropertySource("--tollgate.redis.host=cli-host"));
        environment.getPropertySources().addLast(new MapPropertySource("applicationProperties", Map.of("server.port", "8000")));

        // The original-style real variable PORT beats the file's PORT.
        new DotenvEnvironmentPostProcessor(LOGS, Map.of("PORT", "9100"), dir)
                .postProcessEnvironment(environment, new SpringApplication());

        assertThat(environment.getProperty("server.port")).isEqualTo("9100");
        assertThat(environment.getProperty("tollgate.redis.host")).isEqualTo("cli-host");
        assertThat(environment.getProperty("tollgate.redis.port")).isEqualTo("6399");
        List<String> order = environment.getPropertySources().stream().map(PropertySource::getName).toList();
        assertThat(order.indexOf(DotenvEnvironmentPostProcessor.SOURCE_NAME))
                .isEqualTo(order.indexOf(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME) + 1)
                .isLessThan(order.indexOf("applicationProperties"));
    }

    @Test
    void badValueFailsWithAnalyzableException(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(".env"), "REDIS_DB=x\n");
        DotenvEnvironmentPostProcessor processor = new DotenvEnvironmentPostProcessor(LOGS, Map.of(), dir);
        assertThatThrownBy(() -> processor.postProcessEnvironment(new StandardEnvironment(), new SpringApplication()))
                .isInstanceOfSatisfying(ServerConfigException.class, e -> {
                    assertThat(e.variable()).isEqualTo("REDIS_DB");
                    FailureAnalysis analysis = new ServerConfigFailureAnalyzer().analyze(new IllegalStateException(e));
                    assertThat(analysis.getDescription()).startsWith("REDIS_DB (from " + dir.resolve(".env").toAbsolutePath() + " line 1) is \"x\"");
                    assertThat(analysis.getAction()).contains(".env.example");
                });
    }

    @Test
    void anEnvoyRatelimitEnvironmentWorksUnchanged(@TempDir Path dir) {
        // what a deployment of envoyproxy/ratelimit typically sets, Redis Sentinel with a password
        Map<String, String> env = Map.ofEntries(Map.entry("USE_STATSD", "false"), Map.entry("LOG_LEVEL", "debug"),
                Map.entry("REDIS_SOCKET_TYPE", "tcp"), Map.entry("REDIS_TYPE", "SENTINEL"),
                Map.entry("REDIS_URL", "mymaster,sentinel-0:26379,sentinel-1:26379"), Map.entry("REDIS_AUTH", "s3cret"),
                Map.entry("RUNTIME_ROOT", "/data"), Map.entry("RUNTIME_SUBDIRECTORY", "ratelimit"),
                Map.entry("RUNTIME_WATCH_ROOT", "false"), Map.entry("GRPC_PORT", "8081"),
                Map.entry("REDIS_POOL_SIZE", "10"), Map.entry("REDIS_PIPELINE_WINDOW", "150us"));
        StandardEnvironment environment = new StandardEnvironment();
        new DotenvEnvironmentPostProcessor(LOGS, env, dir).postProcessEnvironment(environment, new SpringApplication());

        assertThat(environment.getProperty("tollgate.redis.url"))
                .isEqualTo("redis-sentinel://:s3cret@sentinel-0:26379,sentinel-1:26379#mymaster");
        assertThat(environment.getProperty("tollgate.redis.password")).isNull();
        assertThat(environment.getProperty("logging.level.root")).isEqualTo("DEBUG");
        assertThat(environment.getProperty("tollgate.envoy.grpc-port", Integer.class)).isEqualTo(8081);
        assertThat(environment.getProperty("tollgate.envoy.runtime-root")).isEqualTo("/data");
        assertThat(environment.getProperty("tollgate.envoy.runtime-subdirectory")).isEqualTo("ratelimit");
    }
}
