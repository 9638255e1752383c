package io.tollgate.bench;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private {@code redis-server} on 127.0.0.1, no persistence, killed on {@link #close()} (and at JVM exit).
 * The binary comes from {@code $REDIS_SERVER} or the {@code PATH}, like the tollgate-redis test harness.
 */
public final class RedisProcess implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path dir;
    private final String binary;

    private RedisProcess(Process process, int port, Path dir, String binary) {
        this.process = process;
        this.port = port;
        this.dir = dir;
        this.binary = binary;
    }

    /** The redis-server binary: {@code $REDIS_SERVER}, else the first on the {@code PATH}; null if none. */
    public static String findBinary() {
        String env = System.getenv("REDIS_SERVER");
        if (env != null && !env.isBlank() && new File(env).canExecute()) {
            return env;
        }
        return onPath("redis-server");
    }

    /** The first executable {@code name} on the {@code PATH}, or null. */
    public static String onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String d : path.split(File.pathSeparator)) {
            File f = new File(d, name);
            if (f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        return null;
    }

    public static RedisProcess start() throws IOException, InterruptedException {
        String bin = findBinary();
        if (bin == null) {
            throw new IOException("redis-server not found: set REDIS_SERVER or put redis-server on the PATH");
        }
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freePort();
            Path dir = Files.createTempDirectory("tollgate-bench-redis");
            List<String> cmd = new ArrayList<>(List.of(bin, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--dir", dir.toString(),
                    "--loglevel", "warning", "--maxmemory", "2gb"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis.log").toFile()).start();
            RedisProcess r = new RedisProcess(p, port, dir, bin);
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline && p.isAlive()) {
                try {
                    if (r.command("PING").contains("PONG")) {
                        return r;
                    }
                } catch (IOException e) {
                    last = e;
                }
                Thread.sleep(20);
            }
            r.close();
            last = new IOException("redis-server did not start on port " + port + ": "
                    + Files.readString(dir.resolve("redis.log")));
        }
        throw last;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** redis-server's user+system CPU time in nanoseconds from /proc (clock-tick resolution), or -1. */
    public long cpuNanos() {
        try {
            String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
            return ticks * 10_000_000L; // USER_HZ is 100 on Linux
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    public int port() {
        return port;
    }

    public String host() {
        return "127.0.0.1";
    }

    public String binary() {
        return binary;
    }

    /** Sends one inline command and returns the raw reply (first read; fine for short replies). */
    public String command(String... args) throws IOException {
        try (Socket s = new Socket(host(), port)) {
            s.setSoTimeout(5000);
            StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
            for (String a : args) {
                sb.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
            }
            OutputStream out = s.getOutputStream();
            out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[1 << 16];
            int n = in.read(buf);
            return n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // temp dir; best effort
        }
    }
}
