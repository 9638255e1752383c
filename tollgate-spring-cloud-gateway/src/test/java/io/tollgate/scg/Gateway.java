package io.tollgate.scg;

import io.tollgate.scg.app.GatewayTestApplication;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A real gateway application ({@link GatewayTestApplication}) on a random loopback port, its routes given as
 * {@link Route}s in front of one upstream. Everything is passed as command-line arguments, the highest-precedence
 * source. Tollgate's own WebFilter is off, as in any gateway unless {@code tollgate.web.enabled=true} (per-route
 * limits only). Spring Data Redis is excluded unless a test asks for it (SCG's RedisRateLimiter needs it).
 */
final class Gateway implements AutoCloseable {

    static final String SPRING_DATA_REDIS = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration,"
            + "org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration,"
            + "org.springframework.boot.data.redis.autoconfigure.DataRedisRepositoriesAutoConfiguration";

    /** One route: id, path prefix (/{@code id}/**), and its RequestRateLimiter args. */
    record Route(String id, Map<String, String> args) {
        static Route of(String id, String... keyValues) {
            Map<String, String> args = new LinkedHashMap<>();
            for (int i = 0; i < keyValues.length; i += 2) {
                args.put(keyValues[i], keyValues[i + 1]);
            }
            return new Route(id, args);
        }
    }

    private final ConfigurableApplicationContext context;

    Gateway(ConfigurableApplicationContext context) {
        this.context = context;
    }

    /** The arguments that start the gateway. */
    static List<String> arguments(String upstream, boolean springDataRedis, List<Route> routes, String... properties) {
        List<String> args = new ArrayList<>(List.of(
                "--spring.main.web-application-type=reactive",
                "--server.address=127.0.0.1",
                "--server.port=0"));
        if (!springDataRedis) {
            args.add("--spring.autoconfigure.exclude=" + SPRING_DATA_REDIS);
        }
        String prefix = "--spring.cloud.gateway.server.webflux.routes";
        for (int i = 0; i < routes.size(); i++) {
            Route r = routes.get(i);
            String at = prefix + "[" + i + "]";
            args.add(at + ".id=" + r.id());
            args.add(at + ".uri=" + upstream);
            args.add(at + ".predicates[0]=Path=/" + r.id() + "/**");
            args.add(at + ".filters[0].name=RequestRateLimiter");
            r.args().forEach((k, v) -> args.add(at + ".filters[0].args." + k + "=" + v));
        }
        for (String p : properties) {
            args.add("--" + p);
        }
        return args;
    }

    static Gateway start(String upstream, boolean springDataRedis, List<Route> routes, String... properties) {
        return new Gateway(new SpringApplicationBuilder(GatewayTestApplication.class)
                .run(arguments(upstream, springDataRedis, routes, properties).toArray(String[]::new)));
    }

    int port() {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    ConfigurableApplicationContext context() {
        return context;
    }

    @Override
    public void close() {
        context.close();
    }
}
