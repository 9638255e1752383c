package io.tollgate.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts {@link TollgateServer#main} in a separate JVM, the way an operator would, to see exactly what they see:
 * exit status and console output. Bounded in time; the process is killed if it outlives the limit.
 */
final class ChildJvm {

    /** Exit status and combined stdout+stderr of a finished child. */
    record Outcome(int exitCode, String output) {
    }

    private ChildJvm() {
    }

    static Outcome run(Path workingDir, Map<String, String> env, long timeoutSeconds, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                TollgateServer.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(workingDir.toFile()).redirectErrorStream(true);
        Path log = Files.createTempFile(workingDir, "child", ".log");
        pb.redirectOutput(log.toFile());
        // A clean slate: none of the server's variables leak in from the machine running the build.
        Map<String, String> childEnv = pb.environment();
        childEnv.keySet().removeIf(k -> k.startsWith("REDIS_") || k.startsWith("TOLLGATE_") || k.equals("PORT")
                || k.equals("RATE_LIMIT_RULES_PATH") || k.equals("TRUSTED_PROXIES") || k.equals("LOG_FORMAT")
                || k.equals("DOTENV_PATH") || k.equals("SERVER_PORT"));
        childEnv.putAll(env);
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("server did not exit within " + timeoutSeconds + " s; output:\n"
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
        return new Outcome(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
