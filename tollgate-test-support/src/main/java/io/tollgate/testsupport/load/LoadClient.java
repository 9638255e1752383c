package io.tollgate.testsupport.load;

import io.tollgate.testsupport.load.LoadOptions.BadOption;
import java.io.PrintStream;
import java.time.Duration;

/**
 * A closed-loop HTTP/1.1 keep-alive load generator meant to run as its own JVM beside the server under test, so that
 * a request the server never answers cannot be blamed on a client sharing the server's JVM. Plain NIO on one
 * selector thread, no dependencies beyond the JDK. Run it through {@link LoadClientProcess}.
 *
 * <p>Options ({@code --name value} or {@code --name=value}):
 * <pre>
 * --targets URL[,URL...]          http://127.0.0.1:PORT/PATH; loopback hosts only; required
 * --phase CONNECTIONS:DURATION    e.g. 20:8s, 1000:15s (units ms, s, m); repeatable, run back to back; required
 * --out FILE                      the samples file, written at the end; required
 * --identities M                  default 50; identity i sends X-Forwarded-For 10.(i&gt;&gt;16&amp;255).(i&gt;&gt;8&amp;255).(i&amp;255)
 * --think MS                      pause between a connection's requests, default 0
 * --max-requests N                stop issuing after N requests, default 5000000
 * --timeout DURATION              a request or connect without an outcome within this fails, default 10s
 * --header NAME:VALUE             an extra request header; repeatable
 * </pre>
 * Connection {@code c} (0-based, stable across phases) uses identity {@code c % M} and target
 * {@code (c / M) % targets}. A phase with more connections than the one before opens the extra ones at its start; one
 * with fewer lets the surplus finish the request in flight, then closes them.
 *
 * <p>Contract: prints {@code LOAD START <System.nanoTime()>} to stdout when the first phase begins, and
 * {@code LOAD DONE <samples> <failed>} once the samples file is written, where {@code failed} counts samples with a
 * negative status. Every request written gets exactly one sample, and so does every failed connect (see
 * {@link Sample}); nothing is retried. Exit status 0 when the run happened, however many requests failed; 2 with a
 * one-line message naming the option for a bad command line; 1 for a crash.
 */
public final class LoadClient {

    private LoadClient() {
    }

    /** Runs the load described by {@code args} and exits with the status described above. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** The whole program, minus {@link System#exit}; returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            out.println(LoadOptions.USAGE);
            return 0;
        }
        LoadOptions options;
        try {
            options = LoadOptions.parse(args);
        } catch (BadOption e) {
            err.println("LoadClient: " + e.getMessage() + " (--help for usage)");
            return 2;
        }
        try {
            InternedValues values = new InternedValues();
            SampleLog log = new SampleLog();
            LoadRun run = new LoadRun(options, log, values);
            long cpuBefore = cpuNanos();
            long start = System.nanoTime();
            out.println("LOAD START " + start);
            out.flush();
            run.run(start);
            double seconds = (System.nanoTime() - start) / 1e9;
            double cpuSeconds = (cpuNanos() - cpuBefore) / 1e9;
            log.write(options.out(), options, values);
            err.printf("LoadClient: %s in %.2f s (%.0f req/s), %d samples, %d failed, %.2f s CPU%n", run.summary(),
                    seconds, run.issued() / seconds, log.size(), log.failures(), cpuSeconds);
            out.println("LOAD DONE " + log.size() + " " + log.failures());
            out.flush();
            return 0;
        } catch (Throwable e) {
            e.printStackTrace(err);
            return 1;
        }
    }

    private static long cpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }
}
