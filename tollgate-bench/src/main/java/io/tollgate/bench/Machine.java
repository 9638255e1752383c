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
                + System.getProperty("os.name") + " " + System.getProperty("os.arch") + "; load average at start "
                + START_LOAD + ", at end " + loadAverage() + " (above ~0.5 the figures are disturbed by other work)";
    }

    static final String START_LOAD = loadAverage();

    /** The 1-minute load average from /proc/loadavg, or "?". */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (Exception e) {
            return "?";
        }
    }
}
