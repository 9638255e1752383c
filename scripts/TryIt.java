import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Try-it client for a Tollgate-protected service: fires N requests, prints each status with the rate-limit headers,
 * then a summary comparing what happened with what the advertised policy predicts.
 *
 * <p>Run with the JDK's single-file launcher (no build, no dependencies):
 * <pre>java scripts/TryIt.java [--url URL | --urls U1,U2] [-n 30] [--concurrency 1] [--rate R]</pre>
 */
public class TryIt {

    private static final List<String> HEADERS = List.of("RateLimit", "RateLimit-Policy", "X-RateLimit-Limit",
            "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After", "X-RateLimit-Degraded");
    private static final Pattern POLICY = Pattern.compile("q=(\\d+);w=(\\d+)");

    record Result(int index, String url, int status, String headers, String error, Optional<String> policy,
                  boolean degraded) {
    }

    public static void main(String[] args) throws Exception {
        List<String> urls = List.of("http://localhost:8000/");
        int n = 30;
        int concurrency = 1;
        double rate = 0;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--url" -> urls = List.of(need(args, ++i, a));
                case "--urls" -> urls = List.of(need(args, ++i, a).split(","));
                case "-n", "--requests" -> n = positive(need(args, ++i, a), a);
                case "-c", "--concurrency" -> concurrency = positive(need(args, ++i, a), a);
                case "--rate" -> rate = Double.parseDouble(need(args, ++i, a));
                case "-h", "--help" -> {
                    System.out.println("usage: java scripts/TryIt.java [--url URL | --urls U1,U2,...] [-n 30] [--concurrency 1] [--rate REQ_PER_SEC]");
                    return;
                }
                default -> fail("unknown argument " + a + " (try --help)");
            }
        }
        run(urls, n, concurrency, rate);
    }

    private static void run(List<String> urls, int n, int concurrency, double rate) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
        System.out.printf("Sending %d requests to %s (concurrency %d%s)%n%n", n, String.join(" and ", urls),
                concurrency, rate > 0 ? ", " + rate + " req/s" : ", as fast as possible");
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        long start = System.nanoTime();
        List<Future<Result>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int index = i + 1;
            String url = urls.get(i % urls.size());
            long due = rate > 0 ? start + (long) (i * 1e9 / rate) : start;
            futures.add(pool.submit(() -> {
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                Result r = send(client, index, url);
                synchronized (TryIt.class) {
                    print(r);
                }
                return r;
            }));
        }
        List<Result> results = new ArrayList<>();
        for (Future<Result> f : futures) {
            results.add(f.get());
        }
        pool.shutdown();
        double seconds = (System.nanoTime() - start) / 1e9;
        summarize(results, n, seconds);
    }

    private static Result send(HttpClient client, int index, String url) {
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build();
            HttpResponse<String> resp = client.send(req, HttpResponse.BodyHandlers.ofString());
            StringBuilder h = new StringBuilder();
            for (String name : HEADERS) {
                resp.headers().firstValue(name).ifPresent(v -> h.append("  ").append(name).append(": ").append(v));
            }
            return new Result(index, url, resp.statusCode(), h.toString(), null, resp.headers().firstValue("RateLimit-Policy"),
                    resp.headers().firstValue("X-RateLimit-Degraded").isPresent());
        } catch (Exception e) {
            return new Result(index, url, -1, "", e.getClass().getSimpleName() + ": " + e.getMessage(), Optional.empty(), false);
        }
    }

    private static void print(Result r) {
        String status = r.status() < 0 ? "ERR" : Integer.toString(r.status());
        System.out.printf("#%-3d %s %s%s%n", r.index(), status, r.url(), r.error() != null ? "  " + r.error() : r.headers());
    }

    private static void summarize(List<Result> results, int n, double seconds) {
        long allowed = results.stream().filter(r -> r.status() >= 200 && r.status() < 300).count();
        long limited = results.stream().filter(r -> r.status() == 429).count();
        long other = results.size() - allowed - limited;
        long degraded = results.stream().filter(Result::degraded).count();
        System.out.printf("%nSummary after %.2f s: %d allowed, %d limited (429), %d other%n", seconds, allowed, limited, other);
        if (degraded > 0) {
            // X-RateLimit-Degraded: the store did not answer in time and the failure policy decided instead.
            System.out.printf("Note: %d responses were decided by the failure policy (X-RateLimit-Degraded), not by the store.%n", degraded);
        }
        // The first response carries the policy: q = bucket capacity, w = seconds to refill from empty.
        Optional<String> policy = results.stream().map(Result::policy).flatMap(Optional::stream).findFirst();
        if (policy.isEmpty()) {
            System.out.println("No RateLimit-Policy header seen, so no prediction (is the path exempt or the service down?).");
            return;
        }
        Matcher m = POLICY.matcher(policy.get());
        if (!m.find()) {
            System.out.println("Could not read q/w from RateLimit-Policy: " + policy.get());
            return;
        }
        long q = Long.parseLong(m.group(1));
        long w = Long.parseLong(m.group(2));
        double perSecond = w > 0 ? (double) q / w : 0;
        long expected = Math.min(n, q + (long) Math.floor(perSecond * seconds));
        System.out.printf("Policy %s: capacity %d, refill %.2f tokens/s; with a full bucket, expected about %d allowed"
                + " (capacity + refill during the run, at most %d).%n", policy.get(), q, perSecond, expected, n);
        if (other > 0) {
            System.out.println("Note: " + other + " responses were neither 2xx nor 429; see above.");
        }
    }

    private static String need(String[] args, int i, String flag) {
        if (i >= args.length) {
            fail(flag + " needs a value");
        }
        return args[i];
    }

    private static int positive(String v, String flag) {
        try {
            int x = Integer.parseInt(v);
            if (x > 0) {
                return x;
            }
        } catch (NumberFormatException ignored) {
            // fall through
        }
        fail(flag + " needs a whole number above 0, got " + v);
        return 0;
    }

    private static void fail(String message) {
        System.err.println("TryIt: " + message);
        System.exit(2);
    }
}
