package io.tollgate.server.envoy;

import io.tollgate.envoy.config.RuntimeLocation;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code tollgate.envoy.*}: the Envoy rate-limit service of the server. The envoyproxy/ratelimit variables
 * ({@code GRPC_PORT}, {@code RUNTIME_ROOT}, {@code SHADOW_MODE}, ...) set these (see {@code .env.example}); the
 * properties own their conversion to the module's types.
 */
@ConfigurationProperties("tollgate.envoy")
public class EnvoyProperties {

    /**
     * Whether to serve the Envoy rate-limit service. Unset: on when the runtime configuration folder exists. true: on,
     * and a missing folder fails start-up. false: off.
     */
    private Boolean enabled;

    /** Address the gRPC server binds. */
    private String grpcHost = "0.0.0.0";

    /** gRPC port (ShouldRateLimit, health, reflection); 0 picks a free one. As envoyproxy/ratelimit: 8081. */
    private int grpcPort = 8081;

    /** RUNTIME_ROOT: the folder (or symlink to it) that holds the configuration. */
    private String runtimeRoot = RuntimeLocation.DEFAULT_ROOT;

    /** RUNTIME_SUBDIRECTORY, below the root; may be empty. */
    private String runtimeSubdirectory = "";

    /** RUNTIME_APPDIRECTORY, below the subdirectory: where the YAML files are. */
    private String runtimeAppDirectory = RuntimeLocation.DEFAULT_APP_DIRECTORY;

    /** RUNTIME_IGNOREDOTFILES: skip files and folders whose name starts with a dot (Kubernetes ConfigMap mounts). */
    private boolean runtimeIgnoreDotFiles;

    /** How often the configuration folder is checked for changes. */
    private Duration reloadInterval = Duration.ofSeconds(1);

    /** SHADOW_MODE: answer every request OK; statuses keep their codes and metrics count what would have happened. */
    private boolean shadowMode;

    /** LIMIT_RESPONSE_HEADERS_ENABLED: add IETF RateLimit-Policy and RateLimit headers to response_headers_to_add. */
    private boolean responseHeaders;

    /** NEAR_LIMIT_RATIO: a within-limit hit past this share of the capacity counts as near the limit (metrics only). */
    private double nearLimitRatio = 0.8;

    /** How long shutdown waits for gRPC calls in flight. */
    private Duration shutdownGrace = Duration.ofSeconds(5);

    public RuntimeLocation toRuntimeLocation() {
        return new RuntimeLocation(Path.of(runtimeRoot), runtimeSubdirectory, runtimeAppDirectory, runtimeIgnoreDotFiles);
    }

    public Boolean getEnabled() {
        return enabled;
    }

    public void setEnabled(Boolean enabled) {
        this.enabled = enabled;
    }

    public String getGrpcHost() {
        return grpcHost;
    }

    public void setGrpcHost(String grpcHost) {
        this.grpcHost = grpcHost;
    }

    public int getGrpcPort() {
        return grpcPort;
    }

    public void setGrpcPort(int grpcPort) {
        this.grpcPort = grpcPort;
    }

    public String getRuntimeRoot() {
        return runtimeRoot;
    }

    public void setRuntimeRoot(String runtimeRoot) {
        this.runtimeRoot = runtimeRoot;
    }

    public String getRuntimeSubdirectory() {
        return runtimeSubdirectory;
    }

    public void setRuntimeSubdirectory(String runtimeSubdirectory) {
        this.runtimeSubdirectory = runtimeSubdirectory;
    }

    public String getRuntimeAppDirectory() {
        return runtimeAppDirectory;
    }

    public void setRuntimeAppDirectory(String runtimeAppDirectory) {
        this.runtimeAppDirectory = runtimeAppDirectory;
    }

    public boolean isRuntimeIgnoreDotFiles() {
        return runtimeIgnoreDotFiles;
    }

    public void setRuntimeIgnoreDotFiles(boolean runtimeIgnoreDotFiles) {
        this.runtimeIgnoreDotFiles = runtimeIgnoreDotFiles;
    }

    public Duration getReloadInterval() {
        return reloadInterval;
    }

    public void setReloadInterval(Duration reloadInterval) {
        this.reloadInterval = reloadInterval;
    }

    public boolean isShadowMode() {
        return shadowMode;
    }

    public void setShadowMode(boolean shadowMode) {
        this.shadowMode = shadowMode;
    }

    public boolean isResponseHeaders() {
        return responseHeaders;
    }

    public void setResponseHeaders(boolean responseHeaders) {
        this.responseHeaders = responseHeaders;
    }

    public double getNearLimitRatio() {
        return nearLimitRatio;
    }

    public void setNearLimitRatio(double nearLimitRatio) {
        this.nearLimitRatio = nearLimitRatio;
    }

    public Duration getShutdownGrace() {
        return shutdownGrace;
    }

    public void setShutdownGrace(Duration shutdownGrace) {
        this.shutdownGrace = shutdownGrace;
    }
}
