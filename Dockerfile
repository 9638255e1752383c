# syntax=docker/dockerfile:1

# ---- build stage: full JDK + Maven wrapper ----------------------------------------------------------------------
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src

# Wrapper and POMs first, so the dependency download below is cached until a POM changes. Every module's POM is
# needed (the root POM lists them all), but only the server and what it depends on are built.
COPY mvnw ./
COPY .mvn .mvn
COPY pom.xml ./
COPY tollgate-core/pom.xml tollgate-core/
COPY tollgate-envoy/pom.xml tollgate-envoy/
COPY tollgate-redis/pom.xml tollgate-redis/
COPY tollgate-test-support/pom.xml tollgate-test-support/
COPY tollgate-redis-test-support/pom.xml tollgate-redis-test-support/
COPY tollgate-spring-boot-starter/pom.xml tollgate-spring-boot-starter/
COPY tollgate-spring-cloud-gateway/pom.xml tollgate-spring-cloud-gateway/
COPY tollgate-server/pom.xml tollgate-server/
COPY tollgate-bench/pom.xml tollgate-bench/
# Our own modules are not built yet, so leave them out of the prefetch; the package step below fetches whatever
# plugins or providers go-offline does not foresee.
RUN ./mvnw -B -q -pl tollgate-server -am dependency:go-offline -DexcludeGroupIds=io.tollgate

COPY . .
RUN ./mvnw -B -q -pl tollgate-server -am package -DskipTests

# ---- run stage: JRE only, non-root ------------------------------------------------------------------------------
FROM eclipse-temurin:17-jre
RUN groupadd --system tollgate && useradd --system --gid tollgate --home-dir /app --shell /usr/sbin/nologin tollgate
WORKDIR /app
COPY --from=build /src/tollgate-server/target/tollgate-server.jar /app/tollgate-server.jar
COPY rate_limits.json /app/rate_limits.json
USER tollgate

ENV PORT=8000 \
    RATE_LIMIT_RULES_PATH=/app/rate_limits.json
# 8000: HTTP (the demo routes, /json, /rlconfig, /health, /metrics). 8081: the Envoy rate-limit service over gRPC,
# served when the runtime configuration folder (RUNTIME_ROOT/RUNTIME_SUBDIRECTORY/RUNTIME_APPDIRECTORY) is mounted.
EXPOSE 8000 8081

# The JRE image has neither curl nor wget; bash's /dev/tcp is enough for a GET. /health answers 503 when the
# store is down, which marks the container unhealthy.
HEALTHCHECK --interval=10s --timeout=3s --start-period=40s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PORT:-8000} && printf 'GET /health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/tollgate-server.jar"]
