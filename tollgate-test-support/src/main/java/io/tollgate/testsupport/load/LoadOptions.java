package io.tollgate.testsupport.load;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The validated command line of {@link LoadClient}. See {@link #USAGE} for the options.
 *
 * @param targets where requests go, at least one
 * @param identities how many client identities ({@code X-Forwarded-For} addresses) the connections share
 * @param identityOffset added to every identity, so that two runs against one server can use disjoint identities
 * @param phases run back to back, at least one
 * @param thinkNanos pause between a connection's requests
 * @param maxRequests the run stops issuing requests once this many were sent
 * @param timeoutNanos a request, or a connect, without an outcome within this is a failure
 * @param timeoutText the timeout as written, for failure reasons
 * @param headers extra request header lines, {@code Name: value}
 * @param out the samples file
 */
record LoadOptions(List<Target> targets, int identities, int identityOffset, List<Phase> phases, long thinkNanos,
        long maxRequests,
        long timeoutNanos, String timeoutText, List<String> headers, Path out) {

    static final String USAGE = """
            usage: LoadClient --targets URL[,URL...] --phase CONNECTIONS:DURATION [--phase ...] --out FILE
                              [--identities M] [--identity-offset K] [--think MS] [--max-requests N] [--timeout DURATION]
                              [--header NAME:VALUE ...]
              --targets       http://127.0.0.1:PORT/PATH URLs, comma separated; loopback hosts only
              --phase         connections and duration (500ms, 15s, 2m); repeatable, phases run back to back
              --out           where the samples go, one line per request
              --identities    client identities, default 50; identity i sends X-Forwarded-For 10.a.b.c for i
              --identity-offset  added to every identity, default 0 (disjoint identities for a second run)
              --think         milliseconds between a connection's requests, default 0
              --max-requests  stop issuing after this many requests, default 5000000
              --timeout       a request (or connect) without an outcome within this fails, default 10s
              --header        an extra request header; repeatable
            Connection c uses identity K + c % M and target (c / M) % (number of targets).""";

    /** Identity i becomes the address 10.a.b.c, so there are 2^24 of them. */
    static final int MAX_IDENTITIES = 1 << 24;

    /** The command line was not valid; the message is one line naming the option. */
    static final class BadOption extends Exception {

        private static final long serialVersionUID = 1L;

        BadOption(String option, String problem) {
            super(option + ": " + problem);
        }
    }

    /** The identity connection {@code conn} sends as. */
    int identityOf(int conn) {
        return identityOffset + conn % identities;
    }

    /** The index into {@link #targets()} connection {@code conn} sends to. */
    int targetOf(int conn) {
        return (conn / identities) % targets.size();
    }

    /** The most connections any phase opens. */
    int maxConnections() {
        return phases.stream().mapToInt(Phase::connections).max().orElse(0);
    }

    /** All phases together. */
    long totalNanos() {
        return phases.stream().mapToLong(Phase::durationNanos).sum();
    }

    /**
     * Parses and validates {@code --name value} and {@code --name=value} options.
     *
     * @throws BadOption for the first problem found
     */
    static LoadOptions parse(String[] args) throws BadOption {
        List<Target> targets = null;
        int identities = 50;
        int identityOffset = 0;
        List<Phase> phases = new ArrayList<>();
        long thinkNanos = 0;
        long maxRequests = 5_000_000;
        long timeoutNanos = 10_000_000_000L;
        String timeoutText = "10s";
        List<String> headers = new ArrayList<>();
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            String value;
            int eq = option.indexOf('=');
            if (option.startsWith("--") && eq > 0) {
                value = option.substring(eq + 1);
                option = option.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                value = null;
            }
            if (!option.startsWith("--")) {
                throw new BadOption(option, "unexpected argument (options look like --name value)");
            }
            if (value == null) {
                throw new BadOption(option, knownOption(option) ? "needs a value" : "unknown option");
            }
            try {
                switch (option) {
                    case "--targets" -> targets = parseTargets(value);
                    case "--identities" -> identities = (int) parseCount(value, 1, MAX_IDENTITIES);
                    case "--identity-offset" -> identityOffset = (int) parseCount(value, 0, MAX_IDENTITIES - 1);
                    case "--phase" -> phases.add(Phase.parse(value));
                    case "--think" -> thinkNanos = parseCount(value, 0, 3_600_000) * 1_000_000L;
                    case "--max-requests" -> maxRequests = parseCount(value, 1, 1_000_000_000);
                    case "--timeout" -> {
                        timeoutNanos = DurationText.parseNanos(value);
                        timeoutText = value;
                    }
                    case "--header" -> headers.add(parseHeader(value));
                    case "--out" -> out = parsePath(value);
                    default -> throw new BadOption(option, "unknown option");
                }
            } catch (IllegalArgumentException e) {
                throw new BadOption(option, e.getMessage());
            }
        }
        if (targets == null) {
            throw new BadOption("--targets", "required");
        }
        if (phases.isEmpty()) {
            throw new BadOption("--phase", "at least one is required");
        }
        if (phases.stream().allMatch(p -> p.connections() == 0)) {
            throw new BadOption("--phase", "every phase has 0 connections");
        }
        if (out == null) {
            throw new BadOption("--out", "required");
        }
        if ((long) identityOffset + identities > MAX_IDENTITIES) {
            throw new BadOption("--identity-offset", "offset + identities must be at most " + MAX_IDENTITIES);
        }
        return new LoadOptions(List.copyOf(targets), identities, identityOffset, List.copyOf(phases), thinkNanos,
                maxRequests,
                timeoutNanos, timeoutText, List.copyOf(headers), out);
    }

    private static boolean knownOption(String option) {
        return USAGE.contains("  " + option + " ");
    }

    private static List<Target> parseTargets(String value) {
        List<Target> targets = new ArrayList<>();
        for (String url : value.split(",", -1)) {
            targets.add(Target.parse(url.trim()));
        }
        return targets;
    }

    private static long parseCount(String value, long min, long max) {
        long n;
        try {
            n = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a whole number, got '" + value + "'");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException("must be " + min + ".." + max + ", got " + n);
        }
        return n;
    }

    private static String parseHeader(String value) {
        int colon = value.indexOf(':');
        String name = colon < 0 ? "" : value.substring(0, colon).trim();
        String headerValue = colon < 0 ? "" : value.substring(colon + 1).trim();
        if (name.isEmpty() || !name.chars().allMatch(LoadOptions::isTokenChar)) {
            throw new IllegalArgumentException("expected NAME:VALUE with a valid header name, got '" + value + "'");
        }
        if (headerValue.chars().anyMatch(ch -> ch < 0x20 && ch != '\t' || ch == 0x7f || ch > 0xff)) {
            throw new IllegalArgumentException("header value has control or non-Latin-1 characters: '" + value + "'");
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.equals("content-length") || lower.equals("transfer-encoding")) {
            // Requests are bodiless GETs; a framing header would make the server wait for a body that never comes.
            throw new IllegalArgumentException(name + " would break request framing");
        }
        return name + ": " + headerValue;
    }

    private static boolean isTokenChar(int ch) {
        return ch > 0x20 && ch < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(ch) < 0;
    }

    private static Path parsePath(String value) {
        if (value.isBlank()) {
            throw new IllegalArgumentException("empty path");
        }
        return Path.of(value);
    }
}
