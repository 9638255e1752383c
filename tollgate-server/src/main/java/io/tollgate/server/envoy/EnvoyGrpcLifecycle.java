package io.tollgate.server.envoy;

import io.tollgate.envoy.service.EnvoyLimiter;
import io.tollgate.envoy.service.RateLimitGrpcServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Runs the gRPC server with the application: started once the context is up, stopped (calls in flight finish within
 * the grace period) before the store closes.
 */
public final class EnvoyGrpcLifecycle implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(EnvoyGrpcLifecycle.class);

    private final EnvoyLimiter limiter;
    private final EnvoyProperties props;
    private volatile RateLimitGrpcServer server;

    EnvoyGrpcLifecycle(EnvoyLimiter limiter, EnvoyProperties props) {
        this.limiter = limiter;
        this.props = props;
    }

    @Override
    public void start() {
        server = new RateLimitGrpcServer(limiter, props.getGrpcHost(), props.getGrpcPort(), props.getShutdownGrace())
                .start();
        log.info("Envoy rate-limit service (gRPC ShouldRateLimit, health \"{}\", reflection) on {}:{}",
                RateLimitGrpcServer.HEALTH_SERVICE, props.getGrpcHost(), server.port());
    }

    @Override
    public void stop() {
        RateLimitGrpcServer s = server;
        server = null;
        if (s != null) {
            s.close();
        }
    }

    @Override
    public boolean isRunning() {
        return server != null;
    }

    /** The bound gRPC port; -1 when not running. */
    public int port() {
        RateLimitGrpcServer s = server;
        return s == null ? -1 : s.port();
    }
}
