package io.tollgate.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Starts {@link TollgateServer#main} in a separate JVM, the way an operator would, to see exactly what they see:
 * exit status and console output. Every wait is bounded; a child that outlives its limit is killed.
 */
final class ChildJvm {

    private static final Pattern STARTED = Pattern.compile("Netty started on port (\\d+)");

    /** Exit status and combined stdout+stderr of a finished child. */
    record Outcome(int exitCode, String output) {
    }

    /** A child still running; closing it kills the process. */
    static final class Running implements AutoCloseable {
        private final Process process;
        private final Path log;

        private Running(Process process, Path log) {
            this.process = process;
            this.log = log;
        }

        /** The child's process id. */
        long pid() {
            return process.pid();
        }

        /** Waits for "Netty started on port N" and returns N; fails with the output if the child dies or is too slow. */
        int awaitPort(long timeoutSeconds) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            while (System.nanoTime() < deadline) {
                Matcher m = STARTED.matcher(output());
                if (m.find()) {
                    return Integer.parseInt(m.group(1));
                }
                if (!process.isAlive()) {
                    throw new AssertionError("server exited with " + process.exitValue() + " before listening:\n" + output());
                }
                Thread.sleep(200);
            }
            throw new AssertionError("server not listening after " + timeoutSeconds + " s:\n" + output());
        }

        String output() throws IOException {
            return Files.readString(log, StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private ChildJvm() {
    }

    /** Runs the server to completion (it is expected to exit by itself, as on a configuration error). */
    static Outcome run(Path workingDir, Map<String, String> env, long timeoutSeconds, String... args)
            throws IOException, InterruptedException {
        try (Running r = start(workingDir, env, args)) {
            if (!r.process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                throw new AssertionError("server did not exit within " + timeoutSeconds + " s; output:\n" + r.output());
            }
            return new Outcome(r.process.exitValue(), r.output());
        }
    }

    /** Starts the server and returns at once (quick-start JVM: C1 only, small heap). */
    static Running start(Path workingDir, Map<String, String> env, String... args) throws IOException {
        return start(workingDir, env, List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"), args);
    }

    /** Starts the server with the given JVM options (for example none: the JVM's defaults, as in production). */
    static Running start(Path workingDir, Map<String, String> env, List<String> jvmOptions, String... args)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), TollgateServer.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(workingDir.toFile()).redirectErrorStream(true);
        Path log = Files.createTempFile(workingDir, "child", ".log");
        pb.redirectOutput(log.toFile());
        // A clean slate: none of the server's variables leak in from the machine running the build.
        Map<String, String> childEnv = pb.environment();
        childEnv.keySet().removeIf(k -> k.startsWith("REDIS_") || k.startsWith("TOLLGATE_") || k.equals("PORT")
                || k.equals("RATE_LIMIT_RULES_PATH") || k.equals("TRUSTED_PROXIES") || k.equals("LOG_FORMAT")
                || k.equals("DOTENV_PATH") || k.equals("SERVER_PORT") || k.equals("FAILURE_POLICY")
                || k.equals("EXPECTED_INSTANCES") || k.equals("MASK_CLIENT_KEYS"));
        childEnv.putAll(env);
        return new Running(pb.start(), log);
    }
}
