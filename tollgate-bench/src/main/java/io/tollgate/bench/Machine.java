package io.tollgate.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/** nproc, CPU model and memory of this machine, from the JVM and /proc. */
final class Machine {

    private Machine() {
    }

    static String describe() {
        String cpu = "?";
        String mem = "?";
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    cpu = l.substring(l.indexOf(':') + 1).trim();
                    break;
                }
            }
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) {
                    long kb = Long.parseLong(l.replaceAll("[^0-9]", ""));
                    mem = String.format("%.1f GiB", kb / 1024.0 / 1024.0);
                    break;
                }
            }
        } catch (Exception ignored) {
            // not Linux: leave "?"
        }
        return Runtime.getRuntime().availableProcessors() + " CPUs (nproc), " + cpu + ", " + mem + " RAM, "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch")
                + "; load average (1, 5, 15 min) at start " + START_LOAD + ", at end " + loadAverage()
                + " (a 1-minute figure above ~0.5 means other work disturbed the figures)";
    }

    static final String START_LOAD = loadAverage();

    /** The 1-, 5- and 15-minute load averages from /proc/loadavg, or "?". */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "?";
        }
    }
}
