package io.tollgate.testsupport.redis;

import io.lettuce.core.RedisURI;
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
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * One {@code redis-server} process on a loopback port, for tests. Started with
 * {@code [config-file] --port N --bind 127.0.0.1 --save "" --appendonly no --dir <tmp>} plus any extra arguments (for
 * ACL users, Sentinel, Cluster...); {@link #startTls} serves TLS only, {@link #startWithConfig} takes a config file
 * (Sentinel needs one). Every wait is bounded; every process is killed at JVM exit at the latest.
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
    private final TlsCertificate tls;
    private final Path configFile;
    private volatile Process process;

    private RedisServer(int port, List<String> extraArgs, TlsCertificate tls, String config) throws IOException {
        this.port = port;
        this.extraArgs = List.copyOf(extraArgs);
        this.dir = Files.createTempDirectory("tollgate-redis-" + port + "-");
        this.tls = tls;
        if (config != null) {
            this.configFile = dir.resolve("redis.conf");
            Files.writeString(configFile, config.endsWith("\n") ? config : config + "\n");
        } else {
            this.configFile = null;
        }
    }

    /** Starts a server on a free port. */
    public static RedisServer start(String... extraArgs) {
        return start(List.of(extraArgs));
    }

    /** Starts a server on a free port (also free at port+10000, for the Cluster bus) with extra arguments. */
    public static RedisServer start(List<String> extraArgs) {
        return start(extraArgs, null, null);
    }

    /**
     * Starts a server that accepts only TLS, with {@code cert} as its certificate and CA: {@code --port 0 --tls-port N
     * --tls-cert-file --tls-key-file --tls-ca-cert-file --tls-auth-clients no}, then {@code extraArgs}.
     * {@link #port()} is the TLS port, {@link #url()} a {@code rediss://} URL (trust {@code cert}).
     */
    public static RedisServer startTls(TlsCertificate cert, String... extraArgs) {
        return start(List.of(extraArgs), cert, null);
    }

    /**
     * Starts a server whose first argument is a config file with {@code config} as its text, written (writable) to
     * the server's directory; e.g. {@code startWithConfig("sentinel monitor m 127.0.0.1 6379 2", "--sentinel")}.
     * The command-line options ({@code --port} etc.) override the file.
     */
    public static RedisServer startWithConfig(String config, String... extraArgs) {
        return start(List.of(extraArgs), null, config);
    }

    private static RedisServer start(List<String> extraArgs, TlsCertificate tls, String config) {
        RuntimeException last = null;
        for (int attempt = 0; attempt < 3; attempt++) { // a free port can be taken before redis binds it
            RedisServer s;
            try {
                s = new RedisServer(freePort(), extraArgs, tls, config);
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
        List<String> cmd = new ArrayList<>(List.of(RedisBinary.path().toString()));
        if (configFile != null) {
            cmd.add(configFile.toString());
        }
        if (tls != null) {
            cmd.addAll(List.of("--port", "0", "--tls-port", Integer.toString(port),
                    "--tls-cert-file", tls.certificatePem().toString(), "--tls-key-file", tls.privateKeyPem().toString(),
                    "--tls-ca-cert-file", tls.certificatePem().toString(), "--tls-auth-clients", "no"));
        } else {
            cmd.addAll(List.of("--port", Integer.toString(port)));
        }
        cmd.addAll(List.of("--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()));
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

    /**
     * True if the server answers PING within 500 ms (NOAUTH counts: a password-protected server is up too). A TLS
     * server is pinged over TLS without checking its certificate.
     */
    public boolean pings() {
        try (Socket s = tls != null ? trustAll().getSocketFactory().createSocket() : new Socket()) {
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

    private static SSLContext trustAll() throws IOException {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    /** The certificate of a {@link #startTls TLS} server, else null. */
    public TlsCertificate tlsCertificate() {
        return tls;
    }

    /** The port: the TLS port of a {@link #startTls TLS} server. */
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

    /** A plain URI (not for TLS servers, whose trust needs client options: use {@link #url()} and {@link #tls()}). */
    public RedisURI uri() {
        return RedisURI.create(host(), port);
    }

    /** {@code redis://host:port}, or {@code rediss://host:port} for a TLS server (trust {@link #tlsCertificate()}). */
    public String url() {
        return (tls != null ? "rediss://" : "redis://") + host() + ":" + port;
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
