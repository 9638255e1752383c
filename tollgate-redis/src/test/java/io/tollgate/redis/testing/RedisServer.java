package io.tollgate.redis.testing;

import io.lettuce.core.RedisURI;
import io.tollgate.redis.RedisConnectionSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One {@code redis-server} process on a loopback port, for tests. Started with
 * {@code --port N --bind 127.0.0.1 --save "" --appendonly no --dir <tmp>} plus any extra arguments (for TLS, Sentinel,
 * Cluster...). Every wait is bounded; every process is killed at JVM exit at the latest.
 */
public final class RedisServer implements AutoCloseable {

    private static final Set<RedisServer> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(RedisServer::close), "redis-test-cleanup"));
    }

    // The kill binary, so signals work even with a bare PATH.
    private static final String KILL = Files.isExecutable(Path.of("/bin/kill")) ? "/bin/kill"
            : Files.isExecutable(Path.of("/usr/bin/kill")) ? "/usr/bin/kill" : "kill";

    /** How long {@link #start} waits for PING to answer. */
    public static final long START_TIMEOUT_MILLIS = 10_000;

    private final int port;
    private final List<String> extraArgs;
    private final Path dir;
    private volatile Process process;

    private RedisServer(int port, List<String> extraArgs) throws IOException {
        this.port = port;
        this.extraArgs = List.copyOf(extraArgs);
        this.dir = Files.createTempDirectory("tollgate-redis-" + port + "-");
    }

    /** Starts a server on a free port. */
    public static RedisServer start(String... extraArgs) {
        return start(List.of(extraArgs));
    }

    /** Starts a server on a free port (also free at port+10000, for the Cluster bus) with extra arguments. */
    public static RedisServer start(List<String> extraArgs) {
        RuntimeException last = null;
        for (int attempt = 0; attempt < 3; attempt++) { // a free port can be taken before redis binds it
            RedisServer s;
            try {
                s = new RedisServer(freePort(), extraArgs);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try {
                s.launch();
                return s;
            } catch (RuntimeException e) {
                s.close();
                last = e;
            }
        }
        throw last;
    }

    private void launch() {
        List<String> cmd = new ArrayList<>(List.of(RedisBinary.path().toString(), "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()));
        cmd.addAll(extraArgs);
        try {
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd, e);
        }
        LIVE.add(this);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server on port " + port + " exited: " + logTail());
            }
            if (pings()) {
                return;
            }
            sleep(20);
        }
        throw new IllegalStateException("redis-server on port " + port + " did not answer PING in "
                + START_TIMEOUT_MILLIS + " ms: " + logTail());
    }

    /** True if the server answers PING within 500 ms (NOAUTH counts: a password-protected server is up too). */
    public boolean pings() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            s.setSoTimeout(500);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] buf = new byte[16];
            InputStream in = s.getInputStream();
            int n = in.read(buf);
            String reply = n > 0 ? new String(buf, 0, n, StandardCharsets.US_ASCII) : "";
            return reply.startsWith("+PONG") || reply.startsWith("-NOAUTH");
        } catch (IOException e) {
            return false;
        }
    }

    /** Kills the process with SIGKILL and waits (bounded) until it is gone; the port stays reserved for {@link #restart}. */
    public void kill() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroyForcibly();
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("redis-server on port " + port + " survived SIGKILL");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Starts the server again on the same port, with the same arguments (state is lost). */
    public void restart() {
        kill();
        launch();
    }

    /** SIGSTOP: the server keeps its connections but stops answering. */
    public void pause() {
        signal("-STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() {
        signal("-CONT");
    }

    private void signal(String sig) {
        try {
            Process k = new ProcessBuilder(KILL, sig, Long.toString(process.pid())).inheritIO().start();
            if (!k.waitFor(5, TimeUnit.SECONDS) || k.exitValue() != 0) {
                throw new IllegalStateException("kill " + sig + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return port;
    }

    public String host() {
        return "127.0.0.1";
    }

    public long pid() {
        return process.pid();
    }

    /** The server's working directory (config files, log). */
    public Path dir() {
        return dir;
    }

    public RedisURI uri() {
        return RedisURI.create(host(), port);
    }

    /** Standalone settings for this server with the default timeout and prefix. */
    public RedisConnectionSettings settings() {
        return RedisConnectionSettings.fromHostPort(host(), port, 0, null, null, false);
    }

    /** The last lines of the server's log, for failure messages. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("redis.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** Kills the process and deletes its directory. */
    @Override
    public void close() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroyForcibly(); // SIGKILL: a paused server would ignore SIGTERM
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        LIVE.remove(this);
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // temp files; nothing to do
        }
    }

    private static int freePort() throws IOException {
        for (int i = 0; i < 50; i++) {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            if (port + 10000 <= 65535 && free(port + 10000)) {
                return port;
            }
        }
        throw new IOException("no free port pair found");
    }

    private static boolean free(int port) {
        try {
            new ServerSocket(port, 1, InetAddress.getLoopbackAddress()).close();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "redis-server 127.0.0.1:" + port;
    }
}
