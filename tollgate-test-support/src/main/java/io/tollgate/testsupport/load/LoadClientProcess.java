package io.tollgate.testsupport.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A {@link LoadClient} running in a child JVM, as load tests use it:
 *
 * <pre>{@code
 * try (LoadClientProcess load = LoadClientProcess.start(workDir, List.of(
 *         "--targets", "http://127.0.0.1:" + port + "/api", "--phase", "200:5s"))) {
 *     long startNanos = load.awaitStart(Duration.ofSeconds(10));
 *     LoadClientProcess.Result result = load.await(Duration.ofSeconds(30));
 *     assertThat(result.lost()).isEmpty();
 * }
 * }</pre>
 *
 * The child is {@code java} from {@code java.home} with the class path entry LoadClient was loaded from (a jar or a
 * classes directory), a 512 MB heap, the serial collector and C1 only: it shares the machine with the server under
 * test, and a small, quickly warm JVM disturbs that least. Its stdout and stderr go to a log file in the work
 * directory. Every wait is bounded; failures are {@link IllegalStateException}s that carry the child's output.
 */
public final class LoadClientProcess implements AutoCloseable {

    /**
     * JVM options of the child; see the class comment for why. C1 only because C2 bought no throughput: 1000
     * connections for 5 s against a trivial loopback server gave 116k-136k req/s with C1 and 64k-144k with C2 on a
     * shared 2-core machine, about 7 µs of CPU per request either way, two thirds of it in the kernel.
     */
    static final List<String> JVM_OPTIONS = List.of("-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-XX:-UsePerfData");

    private final Process process;
    private final Path log;
    private final Path samples;

    private LoadClientProcess(Process process, Path log, Path samples) {
        this.process = process;
        this.log = log;
        this.samples = samples;
    }

    /**
     * Starts a load client with these command-line options (see {@link LoadClient}). Without {@code --out}, the
     * samples go to a fresh file in {@code workDir}; a relative {@code --out} is resolved against {@code workDir},
     * which is also the child's working directory. Returns at once; see {@link #awaitStart}.
     *
     * @throws UncheckedIOException when the work directory or the process cannot be created
     */
    public static LoadClientProcess start(Path workDir, List<String> args) {
        try {
            Files.createDirectories(workDir);
            Path log = Files.createTempFile(workDir, "load-client-", ".log");
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(JVM_OPTIONS);
            command.add("-cp");
            command.add(classPathEntry().toString());
            command.add(LoadClient.class.getName());
            command.addAll(args);
            Path samples = outOption(args).map(workDir::resolve).orElse(null);
            if (samples == null) {
                samples = workDir.resolve(log.getFileName().toString().replace(".log", "-samples.txt"));
                command.add("--out");
                command.add(samples.toString());
            }
            Process process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            return new LoadClientProcess(process, log, samples);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the load client in " + workDir, e);
        }
    }

    /**
     * Waits until the child prints {@code LOAD START}.
     *
     * @return the child's {@code System.nanoTime()} when its first phase began; comparable with this JVM's
     *         {@code System.nanoTime()} on Linux (both are {@code CLOCK_MONOTONIC})
     * @throws IllegalStateException with the child's output when it exits first or takes longer than {@code bound}
     *         (then it is killed)
     */
    public long awaitStart(Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            String output = output();
            Long start = startNanos(output);
            if (start != null) {
                return start;
            }
            if (!process.isAlive()) {
                throw failure("exited with " + process.exitValue() + " before LOAD START");
            }
            if (System.nanoTime() - deadline > 0) {
                kill();
                throw failure("printed no LOAD START within " + bound + "; killed");
            }
            sleep(10);
        }
    }

    /**
     * Waits for the child to exit, however it exits.
     *
     * @return its exit status: 0 after a run, 2 for a bad command line
     * @throws IllegalStateException with the child's output when it runs longer than {@code bound} (then it is killed)
     */
    public int awaitExit(Duration bound) {
        try {
            if (!process.waitFor(bound.toNanos(), TimeUnit.NANOSECONDS)) {
                kill();
                throw failure("still running after " + bound + "; killed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
            throw failure("interrupted while waiting; killed");
        }
        return process.exitValue();
    }

    /**
     * Waits for the run to end and reads its samples.
     *
     * @throws IllegalStateException with the child's output when it runs longer than {@code bound} (then it is
     *         killed), exits with a non-zero status, or its samples file does not match its {@code LOAD DONE} line
     */
    public Result await(Duration bound) {
        int exit = awaitExit(bound);
        if (exit != 0) {
            throw failure("exited with " + exit);
        }
        String output = output();
        Long start = startNanos(output);
        long[] done = doneCounts(output);
        if (start == null || done == null) {
            throw failure("exited with 0 but without LOAD START and LOAD DONE lines");
        }
        List<Sample> parsed;
        try (Stream<String> lines = Files.lines(samples, StandardCharsets.UTF_8)) {
            parsed = lines.filter(line -> !line.startsWith("#")).map(Sample::parse).toList();
        } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
            throw failure("samples file " + samples + " unreadable: " + e);
        }
        long failed = parsed.stream().filter(Sample::failed).count();
        if (parsed.size() != done[0] || failed != done[1]) {
            throw failure("samples file " + samples + " has " + parsed.size() + " samples, " + failed
                    + " failed, but LOAD DONE said " + done[0] + " and " + done[1]);
        }
        return new Result(start, parsed, output);
    }

    /** Everything the child printed so far, stdout and stderr interleaved. */
    public String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(log " + log + " unreadable: " + e + ")";
        }
    }

    /** The child's process id, e.g. to read its CPU time from {@code /proc}. */
    public long pid() {
        return process.pid();
    }

    /** The file the child writes its samples to. */
    public Path samplesFile() {
        return samples;
    }

    /** Kills the child if it is still running. */
    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }

    /**
     * The samples of a finished run, in the order their outcomes were known, and helpers to judge them.
     *
     * @param startNanos the child's {@code System.nanoTime()} at {@code LOAD START}
     * @param samples one per request sent, plus one per failed connect
     * @param output everything the child printed
     */
    public record Result(long startNanos, List<Sample> samples, String output) {

        public Result {
            samples = List.copyOf(samples);
        }

        /** The samples with a negative status: {@link Sample#LOST} and {@link Sample#CONNECTION_ERROR}. */
        public List<Sample> lost() {
            return samples.stream().filter(Sample::failed).toList();
        }

        /** The samples grouped by identity, identities in ascending order. */
        public Map<Integer, List<Sample>> byIdentity() {
            return samples.stream().collect(Collectors.groupingBy(Sample::identity, TreeMap::new, Collectors.toList()));
        }

        /**
         * The nearest-rank percentile of the latencies: the smallest latency such that at least {@code q} of the
         * samples are no slower.
         *
         * @param q between 0 and 1, e.g. 0.99
         * @throws IllegalArgumentException for no samples or {@code q} outside [0, 1]
         */
        public static double percentileMillis(List<Sample> samples, double q) {
            if (samples.isEmpty() || !(q >= 0 && q <= 1)) {
                throw new IllegalArgumentException("need samples and 0 <= q <= 1, got " + samples.size()
                        + " samples and q = " + q);
            }
            long[] nanos = samples.stream().mapToLong(s -> s.endNanos() - s.startNanos()).sorted().toArray();
            int rank = (int) Math.ceil(q * nanos.length);
            return nanos[Math.max(rank, 1) - 1] / 1e6;
        }

        /** How many samples have each status, statuses in ascending order. */
        public static Map<Integer, Long> statusCounts(List<Sample> samples) {
            return samples.stream().collect(Collectors.groupingBy(Sample::status, TreeMap::new, Collectors.counting()));
        }

        /** The slowest sample, or {@code null} for none; handy in assertion messages. */
        public static Sample slowest(List<Sample> samples) {
            return samples.stream().max(Comparator.comparingLong(s -> s.endNanos() - s.startNanos())).orElse(null);
        }
    }

    private static Path classPathEntry() {
        try {
            return Path.of(LoadClient.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("cannot tell where LoadClient was loaded from", e);
        }
    }

    private static Optional<String> outOption(List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("--out") && i + 1 < args.size()) {
                return Optional.of(args.get(i + 1));
            }
            if (args.get(i).startsWith("--out=")) {
                return Optional.of(args.get(i).substring("--out=".length()));
            }
        }
        return Optional.empty();
    }

    private static Long startNanos(String output) {
        return output.lines().filter(l -> l.startsWith("LOAD START ")).findFirst()
                .map(l -> Long.parseLong(l.substring("LOAD START ".length()).trim())).orElse(null);
    }

    private static long[] doneCounts(String output) {
        return output.lines().filter(l -> l.startsWith("LOAD DONE ")).findFirst().map(l -> l.split(" "))
                .map(f -> new long[] {Long.parseLong(f[2]), Long.parseLong(f[3])}).orElse(null);
    }

    private void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private IllegalStateException failure(String what) {
        return new IllegalStateException("load client (pid " + process.pid() + ") " + what + "\n--- its output ("
                + log + ") ---\n" + output());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
