package io.tollgate.testsupport.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the {@code redis-server} binary once per JVM: env {@code REDIS_SERVER}, else {@code redis-server} on the
 * PATH, else the linux-amd64 binary bundled in the embedded-redis jar on the test classpath.
 */
public final class RedisBinary {

    private static final Logger log = LoggerFactory.getLogger(RedisBinary.class);
    private static final String BUNDLED = "/redis-server-6.2.6-v5-linux-amd64";
    private static volatile Path path;

    private RedisBinary() {
    }

    /** The binary to run; logs which one and its version the first time. */
    public static synchronized Path path() {
        if (path == null) {
            Path p = locate();
            log.info("using redis-server {} ({})", p, version(p));
            path = p;
        }
        return path;
    }

    private static Path locate() {
        String env = System.getenv("REDIS_SERVER");
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            if (!Files.isExecutable(p)) {
                throw new IllegalStateException("REDIS_SERVER=" + env + " is not an executable file");
            }
            return p;
        }
        String pathVar = System.getenv().getOrDefault("PATH", "");
        for (String dir : pathVar.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path p = Path.of(dir, "redis-server");
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return extractBundled();
    }

    private static Path extractBundled() {
        try (InputStream in = RedisBinary.class.getResourceAsStream(BUNDLED)) {
            if (in == null) {
                throw new IllegalStateException("no redis-server: set REDIS_SERVER, put redis-server on the PATH,"
                        + " or add com.github.codemonstur:embedded-redis to the test classpath");
            }
            Path tmp = Files.createTempFile("tollgate-redis-server-", "");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            tmp.toFile().setExecutable(true, true);
            tmp.toFile().deleteOnExit();
            return tmp;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract bundled redis-server", e);
        }
    }

    private static String version(Path p) {
        try {
            Process proc = new ProcessBuilder(p.toString(), "--version").redirectErrorStream(true).start();
            if (!proc.waitFor(10, TimeUnit.SECONDS)) {
                proc.destroyForcibly();
                return "version unknown: --version did not finish";
            }
            return new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return "version unknown: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "version unknown";
        }
    }
}
