package io.tollgate.bench;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.Locations;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module rules, checked over the compiled main classes of every module (this module depends on all of them):
 * adapters depend on the core, never the reverse; the core knows no framework, no Redis client and no network
 * library; the Redis store knows no Spring; the envoy module (configuration format) knows only the core; the Spring
 * Cloud Gateway module knows only the core and the starter, and no module knows it; nothing but the bench uses the
 * server or the test tooling.
 */
class ModuleBoundariesTest {

    private static final List<String> MODULES = List.of("tollgate-core", "tollgate-envoy", "tollgate-test-support",
            "tollgate-redis-test-support", "tollgate-redis", "tollgate-spring-boot-starter",
            "tollgate-spring-cloud-gateway", "tollgate-server", "tollgate-bench");

    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() throws Exception {
        // Each module's build directory, not the class path: the bench does not depend on the starter, and the
        // server's jar is a Spring Boot fat jar (classes under BOOT-INF/).
        Path root = Path.of(System.getProperty("basedir", "."), "..").normalize();
        List<URL> dirs = new ArrayList<>();
        for (String module : MODULES) {
            Path dir = root.resolve(module).resolve("target/classes");
            assertThat(dir.resolve("io/tollgate")).as(module + " is built").isDirectory();
            dirs.add(dir.toUri().toURL());
        }
        classes = new ClassFileImporter().importLocations(Locations.of(dirs));
        // Guards the premise: a rule over an empty or partial import would pass vacuously.
        assertThat(classes.contain("io.tollgate.core.limiter.RateLimiter")).isTrue();
        assertThat(classes.contain("io.tollgate.redis.RedisBucketStore")).isTrue();
        assertThat(classes.contain("io.tollgate.spring.TollgateAutoConfiguration")).isTrue();
        assertThat(classes.contain("io.tollgate.server.TollgateServer")).isTrue();
        assertThat(classes.contain("io.tollgate.testsupport.redis.RedisServer")).isTrue();
        assertThat(classes.contain("io.tollgate.envoy.config.EnvoyConfig")).isTrue();
        assertThat(classes.contain("io.tollgate.scg.TollgateRateLimiter")).isTrue();
    }

    @Test
    void coreImportsNoFrameworkRedisClientOrNetworkLibrary() {
        noClasses().that().resideInAPackage("io.tollgate.core..")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "io.lettuce..",
                        "io.netty..", "reactor..", "io.micrometer..", "jakarta.servlet..", "io.grpc..")
                .check(classes);
    }

    @Test
    void coreDependsOnNoAdapter() {
        noClasses().that().resideInAPackage("io.tollgate.core..")
                .should().dependOnClassesThat().resideInAnyPackage("io.tollgate.redis..", "io.tollgate.spring..",
                        "io.tollgate.server..", "io.tollgate.bench..", "io.tollgate.testsupport..",
                        "io.tollgate.envoy..")
                .check(classes);
    }

    @Test
    void envoyModuleDependsOnTheCoreOnly() {
        noClasses().that().resideInAPackage("io.tollgate.envoy..")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "io.tollgate.redis..",
                        "io.tollgate.spring..", "io.tollgate.server..", "io.tollgate.bench..",
                        "io.tollgate.testsupport..")
                .check(classes);
    }

    @Test
    void redisModuleImportsNoSpring() {
        noClasses().that().resideInAPackage("io.tollgate.redis..")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "io.micrometer..",
                        "io.tollgate.spring..", "io.tollgate.server..", "io.tollgate.bench..", "io.tollgate.testsupport..")
                .check(classes);
    }

    @Test
    void starterDependsOnNeitherServerNorTestTooling() {
        noClasses().that().resideInAPackage("io.tollgate.spring..")
                .should().dependOnClassesThat().resideInAnyPackage("io.tollgate.server..", "io.tollgate.bench..",
                        "io.tollgate.testsupport..")
                .check(classes);
    }

    @Test
    void gatewayModuleDependsOnCoreAndStarterOnly() {
        noClasses().that().resideInAPackage("io.tollgate.scg..")
                .should().dependOnClassesThat().resideInAnyPackage("io.tollgate.redis..", "io.tollgate.server..",
                        "io.tollgate.bench..", "io.tollgate.testsupport..", "io.tollgate.envoy..")
                .check(classes);
    }

    @Test
    void noModuleDependsOnTheGatewayModule() {
        noClasses().that().resideOutsideOfPackage("io.tollgate.scg..")
                .should().dependOnClassesThat().resideInAPackage("io.tollgate.scg..")
                .check(classes);
    }

    @Test
    void nothingButTheBenchImportsTheServer() {
        noClasses().that().resideOutsideOfPackages("io.tollgate.server..", "io.tollgate.bench..")
                .should().dependOnClassesThat().resideInAPackage("io.tollgate.server..")
                .check(classes);
    }

    @Test
    void testToolingKnowsNoTollgateModule() {
        noClasses().that().resideInAPackage("io.tollgate.testsupport..")
                .should().dependOnClassesThat().resideInAnyPackage("io.tollgate.core..", "io.tollgate.redis..",
                        "io.tollgate.spring..", "io.tollgate.server..", "io.tollgate.bench..")
                .check(classes);
    }
}
