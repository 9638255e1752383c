package io.tollgate.server.envoy;

import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.core.limiter.RateLimiter;
import io.tollgate.core.limiter.StoreChain;
import io.tollgate.envoy.config.ConfigDump;
import io.tollgate.envoy.config.EnvoyConfigWatcher;
import io.tollgate.envoy.service.EnvoyLimiter;
import io.tollgate.envoy.service.EnvoyLimiterListener;
import io.tollgate.envoy.service.RateLimitJson;
import io.tollgate.spring.TollgateProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * The Envoy rate-limit service inside the server (see {@link EnvoyServiceCondition} for when): the configuration
 * folder and its watcher, the {@link EnvoyLimiter} on the same store chain and local buckets as the HTTP filter, the
 * gRPC server, and on the HTTP port {@code POST /json} and {@code GET /rlconfig}.
 *
 * <p>The limiter uses the chain without leases (a lease holds tokens of one bucket; a request of several buckets must
 * be decided as one), with the breaker and the deny cache in front of the store, and the server's failure policy and
 * expected instance count.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(EnvoyServiceCondition.class)
@EnableConfigurationProperties(EnvoyProperties.class)
public class EnvoyServiceConfiguration {

    private static final Logger log = LoggerFactory.getLogger(EnvoyServiceConfiguration.class);

    /** Loads the folder at start-up: a missing folder or an invalid file stops the start with the file and field named. */
    @Bean(destroyMethod = "close")
    public EnvoyConfigWatcher tollgateEnvoyConfigWatcher(EnvoyProperties props) {
        EnvoyConfigWatcher watcher = new EnvoyConfigWatcher(props.toRuntimeLocation().directory(),
                props.getReloadInterval());
        log.info("Envoy rate-limit configuration from {}: domains {}", props.toRuntimeLocation().configDirectory(),
                watcher.current().domainNames());
        return watcher;
    }

    @Bean
    public EnvoyLimiter tollgateEnvoyLimiter(EnvoyConfigWatcher watcher, RateLimiter limiter, StoreChain chain,
                                             TollgateProperties tollgate, EnvoyProperties props,
                                             ObjectProvider<MeterRegistry> registry) {
        EnvoyLimiterListener listener = registry.getIfAvailable() == null ? EnvoyLimiterListener.NONE
                : new EnvoyMetrics(registry.getObject(), watcher, props.isShadowMode());
        return EnvoyLimiter.builder(chain.unleased(), watcher::current)
                .failurePolicy(limiter.defaultPolicy())
                .expectedInstances(tollgate.getExpectedInstances())
                .fallbackBuckets(limiter.fallbackBuckets())
                .globalShadowMode(props.isShadowMode())
                .responseHeaders(props.isResponseHeaders())
                .nearLimitRatio(props.getNearLimitRatio())
                .listener(listener)
                .build();
    }

    @Bean
    public RateLimitJson tollgateEnvoyJson(EnvoyLimiter limiter) {
        return new RateLimitJson(limiter);
    }

    @Bean
    public EnvoyGrpcLifecycle tollgateEnvoyGrpcServer(EnvoyLimiter limiter, EnvoyProperties props) {
        return new EnvoyGrpcLifecycle(limiter, props);
    }

    /** {@code POST /json} (the decision as proto3 JSON) and {@code GET /rlconfig} (the loaded configuration as text). */
    @Bean
    public RouterFunction<ServerResponse> tollgateEnvoyRoutes(RateLimitJson json, EnvoyConfigWatcher watcher) {
        return RouterFunctions.route()
                .POST("/json", request -> request.bodyToMono(String.class).defaultIfEmpty("")
                        .flatMap(body -> Mono.fromCompletionStage(json.decide(body)))
                        .flatMap(answer -> ServerResponse.status(answer.status())
                                .contentType(answer.json() ? MediaType.APPLICATION_JSON : MediaType.TEXT_PLAIN)
                                .bodyValue(answer.body()))
                        .onErrorResume(DataBufferLimitException.class, e -> ServerResponse.status(413)
                                .contentType(MediaType.TEXT_PLAIN).bodyValue("request body too large: " + e.getMessage()
                                        + "\n")))
                .GET("/rlconfig", request -> ServerResponse.ok().contentType(MediaType.TEXT_PLAIN)
                        .bodyValue(ConfigDump.of(watcher.current())))
                .build();
    }
}
