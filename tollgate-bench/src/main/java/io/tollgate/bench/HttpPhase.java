package io.tollgate.bench;

import io.tollgate.testsupport.redis.RedisServer;

import java.io.BufferedInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The HTTP phase: starts the Tollgate server as a child JVM in each mode and loads it with a keep-alive load generator
 * (fixed concurrency, fixed duration, loopback only). Requests come from {@link #IDENTITIES} clients, told apart by
 * {@code X-Forwarded-For} (the server trusts 127.0.0.1 as a proxy), under an IP-keyed default rule none of them can
 * exceed in a bounded run, so every request is a real decision on one of 50 buckets and none is a 429.
 *
 * <p>The server is located by {@link #serverJar()}: system property {@code tollgate.bench.serverJar}, else
 * {@code tollgate-server/target/tollgate-server.jar} relative to the working directory (the repository root; the
 * documented {@code -pl tollgate-bench -am} build packages it). When there is none the phase is
 * skipped with "HTTP phase: server module not present". The Spring properties of each mode can be overridden with
 * system properties {@code tollgate.bench.http.redis}, {@code .off} and {@code .memory} (space separated;
 * {@code {redisPort}} and {@code {rules}} are replaced by the bench's Redis port and its always-allow rules file).
 */
final class HttpPhase {

    /** Connections of the load generator. */
    static final int CONNECTIONS = 64;
    /** Distinct clients, each its own bucket. */
    static final int IDENTITIES = 50;
    /**
     * Keyed by IP; a billion-token burst that no identity can spend in a bounded run, refilled at 1/s so a bucket
     * stays in Redis (its TTL is the time to refill) and can be counted after the run.
     */
    /** One warm-up slice. */
    static final long WARM_SLICE_MILLIS = 5_000;
    /** Two slices in a row within this share of each other count as steady. */
    static final double STEADY_SPREAD = 0.05;

    static final String RULES = "{\"default\": {\"capacity\": 1000000000, \"refill_rate\": 1}}";

    /**
     * Requests/s and latency percentiles of one mode; redis-server CPU per request and the buckets Redis held after
     * the run (NaN and -1 where not measured).
     */
    record Result(String mode, double rps, double p50Micros, double p99Micros, long ok, long limited, long errors,
                  double redisCpuMicros, long buckets, String failure) {
        static Result failed(String mode, String why) {
            return new Result(mode, Double.NaN, Double.NaN, Double.NaN, 0, 0, 0, Double.NaN, -1, why);
        }

        Result as(String label, double redisCpuMicros, long buckets) {
            return new Result(label, rps, p50Micros, p99Micros, ok, limited, errors, redisCpuMicros, buckets, failure);
        }
    }

    /** The X-Forwarded-For value of identity {@code i} (0-based): 198.51.100.1 to .50, a documentation range. */
    static String identity(int i) {
        return "198.51.100." + (i % IDENTITIES + 1);
    }

    private HttpPhase() {
    }

    static File serverJar() {
        String p = System.getProperty("tollgate.bench.serverJar");
        File f = new File(p != null ? p : "tollgate-server/target/tollgate-server.jar");
        return f.isFile() ? f : null;
    }

    static String[] modeArgs(String mode, RedisServer redis, Path rules) {
        String def = switch (mode) {
            case "redis" -> "--tollgate.enabled=true --tollgate.store=redis --tollgate.redis.url=redis://"
                    + redis.host() + ":" + redis.port() + " --tollgate.redis.connect-timeout=10s --tollgate.rules-file="
                    + rules + " --tollgate.trusted-proxies=127.0.0.1/32";
            case "off" -> "--tollgate.enabled=false --tollgate.rules-file=" + rules;
            case "memory" -> "--tollgate.enabled=true --tollgate.store=memory --tollgate.rules-file=" + rules
                    + " --tollgate.trusted-proxies=127.0.0.1/32";
            default -> throw new IllegalArgumentException(mode);
        };
        String override = System.getProperty("tollgate.bench.http." + mode);
        String args = override == null ? def : override.replace("{redisPort}", Integer.toString(redis.port()))
                .replace("{rules}", rules.toString());
        return args.trim().split("\\s+");
    }

    /**
     * Runs all three modes with {@link #CONNECTIONS} connections, or returns an empty list (and prints why) when the
     * server is not present. {@code rb} empties Redis before each measured run and counts its keys after it.
     */
    static List<Result> run(RedisServer redis, RedisBench rb, long millisPerMode, long maxWarmMillis)
            throws Exception {
        int concurrency = CONNECTIONS;
        File jar = serverJar();
        List<Result> out = new ArrayList<>();
        if (jar == null) {
            System.out.println("HTTP phase: server module not present");
            return out;
        }
        // A rule that always allows measures the limiter's own cost on the allowed path (a 20 @ 5/s rule would
        // answer nearly everything with 429).
        Path rules = Files.createTempFile("tollgate-bench-rules", ".json");
        Files.writeString(rules, RULES);
        rules.toFile().deleteOnExit();
        Path wrkScript = Files.createTempFile("tollgate-bench-identities", ".lua");
        Files.writeString(wrkScript, wrkScript());
        wrkScript.toFile().deleteOnExit();
        for (String mode : List.of("off", "redis", "memory")) {
            int port;
            try (java.net.ServerSocket ss = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = ss.getLocalPort();
            }
            List<String> cmd = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java", "-Xmx512m",
                    "-jar", jar.getAbsolutePath(), "--server.port=" + port, "--server.address=127.0.0.1"));
            cmd.addAll(List.of(modeArgs(mode, redis, rules)));
            File log = File.createTempFile("tollgate-server-" + mode, ".log");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
            String label = mode;
            try {
                try {
                    waitForPort(port, 60_000, p);
                } catch (IOException e) {
                    if (!mode.equals("redis") || System.getProperty("tollgate.bench.http.redis") != null) {
                        throw e;
                    }
                    // The store's Redis timeout (default 100 ms) also bounds Lettuce's connection handshake, which a
                    // loaded machine can miss; retry once with 1 s and say so in the table.
                    System.out.println("  HTTP mode redis did not start (" + reason(log) + "); retrying with"
                            + " --tollgate.redis.timeout=1s");
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    cmd.add("--tollgate.redis.timeout=1s");
                    label = "redis (timeout 1s: the 100 ms default failed the startup handshake)";
                    p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
                    waitForPort(port, 60_000, p);
                }
                String path = System.getProperty("tollgate.bench.http.path", "/");
                String wrk = Procs.onPath("wrk");
                String steady = warmUp(wrk, wrkScript, port, path, concurrency,
                        Math.max(millisPerMode, maxWarmMillis * 3 / 8), maxWarmMillis);
                System.out.println("  HTTP mode " + mode + " warm-up: " + steady);
                // Redis CPU and buckets of the measured run only (Redis is idle in the other modes).
                rb.flush();
                CpuSample cpu0 = CpuSample.now();
                Result r = wrk != null ? wrk(wrk, wrkScript, port, path, concurrency, millisPerMode)
                        : load(port, path, concurrency, millisPerMode);
                CpuSample used = CpuSample.now().since(cpu0);
                boolean onRedis = mode.equals("redis");
                out.add(r.as(label, onRedis ? used.serverMicrosPer(r.ok() + r.limited()) : Double.NaN,
                        onRedis ? rb.dbSize() : -1));
            } catch (IOException e) {
                String why = reason(log);
                System.out.println("  HTTP mode " + mode + " failed: " + e.getMessage() + " " + why + " (log " + log + ")");
                out.add(Result.failed(mode, e.getMessage() + (why.isEmpty() ? "" : ": " + why)));
            } finally {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
        return out;
    }

    /**
     * Loads a fresh server until its throughput is steady: slices of {@link #WARM_SLICE_MILLIS} until two in a row
     * differ by at most {@link #STEADY_SPREAD}, and never less than {@code minMillis} nor more than
     * {@code maxMillis}. On 2 cores a fresh server JVM gains 3-20x over its first minute of load (JIT), so a
     * fixed short warm-up measures the compiler, not the server; and it climbs in steps, so two slices can agree on a
     * plateau well below its speed (seen: 2,716 and 2,750 rps after 20 s, for a server that does 20k+): hence the
     * minimum, 45 s in a full run (3/8 of the longest warm-up). Returns what it saw, for the log.
     */
    static String warmUp(String wrk, Path script, int port, String path, int concurrency, long minMillis,
            long maxMillis) throws Exception {
        long start = System.nanoTime();
        double last = Double.NaN;
        StringBuilder seen = new StringBuilder();
        while (true) {
            Result r = wrk != null ? wrk(wrk, script, port, path, concurrency, WARM_SLICE_MILLIS)
                    : load(port, path, concurrency, WARM_SLICE_MILLIS);
            long elapsed = (System.nanoTime() - start) / 1_000_000;
            seen.append(seen.length() == 0 ? "" : ", ").append(Math.round(r.rps()));
            boolean steady = !Double.isNaN(last) && Math.abs(r.rps() - last) <= STEADY_SPREAD * last;
            if ((steady && elapsed >= minMillis) || elapsed >= maxMillis) {
                return seen + " rps over " + elapsed / 1000 + " s" + (steady ? " (steady)" : " (not steady: cut off)");
            }
            last = r.rps();
        }
    }

    /** A wrk script that sends each request as the next of the {@link #IDENTITIES} clients, requests pre-formatted. */
    static String wrkScript() {
        return """
                local reqs = {}
                local n = 0
                function init(args)
                  for i = 1, %d do
                    reqs[i] = wrk.format(nil, nil, {["X-Forwarded-For"] = "198.51.100." .. i})
                  end
                end
                function request()
                  n = n %% %d + 1
                  return reqs[n]
                end
                """.formatted(IDENTITIES, IDENTITIES);
    }

    /**
     * {@code wrk -t2 -c<concurrency> --latency -s <script>} for whole seconds; requests/s and p50/p99 from its
     * report.
     */
    static Result wrk(String wrk, Path script, int port, String path, int concurrency, long millis) throws Exception {
        long secs = Math.max(1, millis / 1000);
        Process p = new ProcessBuilder(wrk, "-t2", "-c" + concurrency, "-d" + secs + "s", "--timeout", "5s",
                "--latency", "-s", script.toString(), "http://127.0.0.1:" + port + path).redirectErrorStream(true)
                .start();
        String out;
        try (InputStream in = p.getInputStream()) {
            if (!p.waitFor(secs + 30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("wrk did not finish");
            }
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        double rps = Double.NaN;
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        long total = 0;
        long non2xx = 0;
        long errors = 0;
        for (String raw : out.split("\\r?\\n")) {
            String l = raw.trim();
            String[] f = l.split("\\s+");
            if (l.startsWith("Requests/sec:")) {
                rps = Double.parseDouble(f[1]);
            } else if (l.startsWith("50%")) {
                p50 = micros(f[1]);
            } else if (l.startsWith("99%")) {
                p99 = micros(f[1]);
            } else if (l.contains("requests in")) {
                total = Long.parseLong(f[0]);
            } else if (l.startsWith("Non-2xx or 3xx responses:")) {
                non2xx = Long.parseLong(f[f.length - 1]);
            } else if (l.startsWith("Socket errors:")) {
                for (String part : l.substring(14).split(",")) {
                    errors += Long.parseLong(part.trim().split("\\s+")[1]);
                }
            }
        }
        if (Double.isNaN(rps)) {
            throw new IOException("cannot parse wrk output: " + out.strip());
        }
        // wrk does not split 429 from other non-2xx; with the always-allow rule every non-2xx is unexpected.
        return new Result("", rps, p50, p99, total - non2xx, 0, errors + non2xx, Double.NaN, -1, null);
    }

    /** wrk latency such as {@code 812.00us}, {@code 1.20ms}, {@code 2.01s} in microseconds. */
    static double micros(String v) {
        if (v.endsWith("us")) {
            return Double.parseDouble(v.substring(0, v.length() - 2));
        } else if (v.endsWith("ms")) {
            return Double.parseDouble(v.substring(0, v.length() - 2)) * 1000;
        } else if (v.endsWith("m")) {
            return Double.parseDouble(v.substring(0, v.length() - 1)) * 60_000_000;
        } else if (v.endsWith("s")) {
            return Double.parseDouble(v.substring(0, v.length() - 1)) * 1_000_000;
        }
        return Double.parseDouble(v);
    }

    /** The failure analyzer's "Reason:" line of a server log, if any. */
    private static String reason(File log) {
        try {
            for (String l : Files.readAllLines(log.toPath())) {
                if (l.strip().startsWith("Reason:")) {
                    return l.strip();
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // no log
        }
        return "";
    }

    private static void waitForPort(int port, long millis, Process p) throws Exception {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            if (!p.isAlive()) {
                throw new IOException("server exited with " + p.exitValue());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new IOException("server did not open port " + port + " within " + millis + " ms");
    }

    /** Histogram index of a latency: 10 µs steps below 100 ms, 1 ms steps up to 10 s, then one overflow bucket. */
    static int bucketOf(long us) {
        return us < 100_000 ? (int) (us / 10) : (int) Math.min(10_000 + (us - 100_000) / 1000, 19_900);
    }

    /** The middle of a histogram bucket, in µs. */
    static double valueOf(int bucket) {
        return bucket < 10_000 ? bucket * 10 + 5 : 100_000 + (bucket - 10_000) * 1000 + 500;
    }

    /** Keep-alive GETs from {@code concurrency} threads for {@code millis}; latencies in a histogram. */
    static Result load(int port, String path, int concurrency, long millis) throws InterruptedException {
        final int buckets = 19_901;
        AtomicLongArray hist = new AtomicLongArray(buckets);
        LongAdder ok = new LongAdder();
        LongAdder limited = new LongAdder();
        LongAdder errors = new LongAdder();
        byte[][] requests = new byte[IDENTITIES][];
        for (int i = 0; i < IDENTITIES; i++) {
            requests[i] = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nX-Forwarded-For: "
                    + identity(i) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        }
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(millis);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < concurrency; t++) {
            int first = t;
            Thread th = new Thread(() -> {
                int next = first;
                while (System.nanoTime() < deadline) {
                    try (Socket s = new Socket("127.0.0.1", port)) {
                        s.setTcpNoDelay(true);
                        s.setSoTimeout(5000);
                        OutputStream out = s.getOutputStream();
                        InputStream in = new BufferedInputStream(s.getInputStream());
                        while (System.nanoTime() < deadline) {
                            long t0 = System.nanoTime();
                            out.write(requests[next++ % IDENTITIES]);
                            out.flush();
                            int status = readResponse(in);
                            long us = (System.nanoTime() - t0) / 1000;
                            hist.incrementAndGet(bucketOf(us));
                            if (status == 429) {
                                limited.increment();
                            } else if (status >= 200 && status < 400) {
                                ok.increment();
                            } else {
                                errors.increment();
                            }
                        }
                    } catch (IOException e) {
                        errors.increment();
                    }
                }
            }, "http-load-" + t);
            th.setDaemon(true);
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join(millis + 10_000);
        }
        long nanos = System.nanoTime() - start;
        long total = ok.sum() + limited.sum();
        return new Result("", total * 1e9 / nanos, percentile(hist, total, 0.50), percentile(hist, total, 0.99),
                ok.sum(), limited.sum(), errors.sum(), Double.NaN, -1, null);
    }

    private static double percentile(AtomicLongArray hist, long total, double q) {
        long want = (long) Math.ceil(total * q);
        long seen = 0;
        for (int i = 0; i < hist.length(); i++) {
            seen += hist.get(i);
            if (seen >= want && want > 0) {
                return valueOf(i);
            }
        }
        return Double.NaN;
    }

    /** Reads one HTTP/1.1 response (Content-Length or chunked) and returns its status. */
    private static int readResponse(InputStream in) throws IOException {
        String status = readLine(in);
        if (status == null) {
            throw new IOException("connection closed");
        }
        int code = Integer.parseInt(status.split(" ")[1]);
        long length = 0;
        boolean chunked = false;
        String line;
        while ((line = readLine(in)) != null && !line.isEmpty()) {
            String l = line.toLowerCase();
            if (l.startsWith("content-length:")) {
                length = Long.parseLong(l.substring(15).trim());
            } else if (l.startsWith("transfer-encoding:") && l.contains("chunked")) {
                chunked = true;
            }
        }
        if (chunked) {
            while (true) {
                long size = Long.parseLong(readLine(in).trim().split(";")[0], 16);
                skip(in, size);
                readLine(in);
                if (size == 0) {
                    break;
                }
            }
        } else {
            skip(in, length);
        }
        return code;
    }

    private static void skip(InputStream in, long n) throws IOException {
        while (n > 0) {
            long s = in.skip(n);
            if (s <= 0) {
                if (in.read() < 0) {
                    throw new IOException("eof in body");
                }
                s = 1;
            }
            n -= s;
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            sb.append((char) c);
        }
        return sb.length() == 0 ? null : sb.toString();
    }
}
