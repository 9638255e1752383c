package io.tollgate.testsupport.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tollgate.testsupport.load.LoadClientProcess.Result;
import io.tollgate.testsupport.load.ScriptedHttpServer.Action;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The load client as tests use it: a child JVM against real servers on loopback. */
class LoadClientProcessTest {

    private static final Duration START = Duration.ofSeconds(15);
    private static final Duration RUN = Duration.ofSeconds(40);

    @TempDir
    Path workDir;

    @Test
    void everyRequestToJdkHttpServersIsAccountedForAndMapped() throws Exception {
        CountingServer a = new CountingServer("/a", n -> n % 5 == 0 ? 429 : 200);
        CountingServer b = new CountingServer("/b", n -> n % 4 == 0 ? 202 : 200);
        try (a; b; LoadClientProcess load = LoadClientProcess.start(workDir, List.of(
                "--targets", a.url() + "," + b.url(), "--identities", "50", "--phase", "200:2s"))) {
            load.awaitStart(START);
            Result result = load.await(RUN);

            assertThat(result.lost()).as(result.output()).isEmpty();
            Map<Integer, Long> served = new TreeMap<>(a.statuses());
            b.statuses().forEach((status, n) -> served.merge(status, n, Long::sum));
            assertThat(Result.statusCounts(result.samples())).isEqualTo(served).containsKeys(200, 202, 429);

            assertThat(result.samples()).allSatisfy(s -> {
                assertThat(s.identity()).isEqualTo(s.conn() % 50);
                assertThat(s.target()).isEqualTo((s.conn() / 50) % 2);
                assertThat(s.retryAfter()).isEqualTo(s.status() == 429 ? "1" : null);
                assertThat(s.degraded()).isEqualTo(s.status() == 202 ? "true" : null);
                assertThat(s.endNanos()).isGreaterThan(s.startNanos());
            });
            // What each server saw per client address is what the client says it sent there.
            CountingServer[] servers = {a, b};
            for (int target = 0; target < 2; target++) {
                int t = target;
                Map<String, Long> sent = result.samples().stream().filter(s -> s.target() == t).collect(
                        Collectors.groupingBy(s -> RequestBytes.forwardedFor(s.identity()), Collectors.counting()));
                assertThat(sent).hasSize(50).isEqualTo(servers[target].byForwardedFor());
            }
            assertThat(result.samples()).extracting(Sample::conn).containsAll(range(0, 200));
            result.byIdentity().forEach((identity, samples) -> {
                for (int target = 0; target < 2; target++) {
                    int t = target;
                    assertThat(samples.stream().filter(s -> s.target() == t).map(Sample::conn).distinct().count())
                            .as("connections of identity %d on target %d", identity, t).isEqualTo(2);
                }
            });
        }
    }

    @Test
    void heldRequestsAreLostAfterTheTimeoutAndNothingElseIs() throws Exception {
        try (ScriptedHttpServer server = new ScriptedHttpServer(n -> n % 97 == 0 ? Action.HOLD : Action.ANSWER);
                LoadClientProcess load = LoadClientProcess.start(workDir, List.of(
                        "--targets", url(server.port()), "--phase", "20:1500ms", "--timeout", "300ms"))) {
            load.awaitStart(START);
            Result result = load.await(RUN);

            assertThat(server.count(Action.HOLD)).isPositive();
            assertThat(result.lost()).hasSize((int) server.count(Action.HOLD)).allSatisfy(s -> {
                assertThat(s.status()).isEqualTo(Sample.LOST);
                assertThat(s.error()).matches("no complete response within 300ms, before any response byte;"
                        + " request [0-9]+ on its socket");
                assertThat(s.latencyMillis()).isBetween(300.0, 1000.0);
            });
            assertThat(Result.statusCounts(result.samples()))
                    .containsOnlyKeys(200, Sample.LOST).containsEntry(200, server.count(Action.ANSWER));
        }
    }

    @Test
    void responsesCutShortAreConnectionErrors() throws Exception {
        try (ScriptedHttpServer server = new ScriptedHttpServer(n -> n % 50 == 0 ? Action.CUT_SHORT
                : n % 50 == 25 ? Action.CUT_WITH_RESET : Action.ANSWER);
                LoadClientProcess load = LoadClientProcess.start(workDir, List.of(
                        "--targets", url(server.port()), "--phase", "10:1s"))) {
            load.awaitStart(START);
            Result result = load.await(RUN);

            long cut = server.count(Action.CUT_SHORT) + server.count(Action.CUT_WITH_RESET);
            assertThat(server.count(Action.CUT_SHORT)).isPositive();
            assertThat(server.count(Action.CUT_WITH_RESET)).isPositive();
            assertThat(result.lost()).hasSize((int) cut)
                    .allSatisfy(s -> assertThat(s.status()).isEqualTo(Sample.CONNECTION_ERROR))
                    .anySatisfy(s -> assertThat(s.error())
                            .startsWith("closed by the server in the body, 90 of 100 bytes missing"
                                    + " (50 response bytes received); request "))
                    .anySatisfy(s -> assertThat(s.error()).startsWith("read: SocketException: Connection reset"));
            assertThat(Result.statusCounts(result.samples())).containsEntry(200, server.count(Action.ANSWER));
        }
    }

    @Test
    void closesBetweenRequestsAreNotLosses() throws Exception {
        try (ScriptedHttpServer server = new ScriptedHttpServer(n -> switch ((int) (n % 4)) {
            case 0 -> Action.ANSWER_AND_CLOSE;
            case 1 -> Action.ANSWER_THEN_CLOSE_IDLE;
            case 2 -> Action.CHUNKED_WITH_TRAILER;
            default -> Action.ANSWER;
        }); LoadClientProcess load = LoadClientProcess.start(workDir, List.of(
                "--targets", url(server.port()), "--phase", "10:1s", "--think", "100"))) {
            load.awaitStart(START);
            Result result = load.await(RUN);

            assertThat(result.lost()).as(result.output()).isEmpty();
            assertThat(server.count(Action.ANSWER_AND_CLOSE)).isPositive();
            assertThat(server.count(Action.ANSWER_THEN_CLOSE_IDLE)).isPositive();
            long answered = List.of(Action.values()).stream().mapToLong(server::count).sum();
            assertThat(result.samples()).hasSize((int) answered).allSatisfy(s -> assertThat(s.status()).isEqualTo(200));
            assertThat(result.samples().stream().filter(s -> "7".equals(s.retryAfter())).count())
                    .as("Retry-After from chunked trailers").isEqualTo(server.count(Action.CHUNKED_WITH_TRAILER));
            assertThat(result.output()).as("the client noticed the unannounced closes")
                    .containsPattern("[1-9][0-9]* closed by the server between requests");
            assertThat(server.accepted()).as("a new connection after each close")
                    .isGreaterThanOrEqualTo(server.count(Action.ANSWER_AND_CLOSE)
                            + server.count(Action.ANSWER_THEN_CLOSE_IDLE));
        }
    }

    @Test
    void bytesAfterACompleteResponseAreRecordedNotHidden() throws Exception {
        try (ScriptedHttpServer server = new ScriptedHttpServer(n -> n % 10 == 0 ? Action.EXTRA_BYTES : Action.ANSWER);
                LoadClientProcess load = LoadClientProcess.start(workDir, List.of(
                        "--targets", url(server.port()), "--phase", "5:500ms"))) {
            load.awaitStart(START);
            Result result = load.await(RUN);

            assertThat(server.count(Action.EXTRA_BYTES)).isPositive();
            assertThat(result.lost()).hasSize((int) server.count(Action.EXTRA_BYTES)).allSatisfy(s -> {
                assertThat(s.status()).isEqualTo(Sample.CONNECTION_ERROR);
                assertThat(s.error()).isEqualTo("unsolicited: 5 bytes from the server after a complete response;"
                        + " connection closed");
            });
            assertThat(Result.statusCounts(result.samples())).containsEntry(200,
                    server.count(Action.ANSWER) + server.count(Action.EXTRA_BYTES));
        }
    }

    @Test
    void phasesOpenAndCloseConnectionsAtTheirBoundaries() throws Exception {
        try (TrivialHttpServer server = new TrivialHttpServer(0); LoadClientProcess load =
                LoadClientProcess.start(workDir, List.of("--targets", url(server.port()),
                        "--phase", "5:700ms", "--phase", "50:700ms", "--phase", "10:700ms", "--think", "1"))) {
            long t0 = load.awaitStart(START);
            Result result = load.await(RUN);
            long second = t0 + 700_000_000L;
            long third = second + 700_000_000L;

            assertThat(result.lost()).isEmpty();
            assertThat(result.samples()).hasSize((int) server.answered());
            assertThat(conns(result, s -> s.startNanos() < second)).isEqualTo(range(0, 5));
            assertThat(conns(result, s -> s.startNanos() >= second && s.startNanos() < third)).isEqualTo(range(0, 50));
            assertThat(conns(result, s -> s.startNanos() >= third)).isEqualTo(range(0, 10));
            assertThat(result.samples()).allSatisfy(s -> assertThat(s.startNanos()).isBetween(t0, third + 700_000_000L));
        }
    }

    @Test
    void maxRequestsEndsTheRunEarly() throws Exception {
        try (TrivialHttpServer server = new TrivialHttpServer(0); LoadClientProcess load =
                LoadClientProcess.start(workDir, List.of("--targets", url(server.port()), "--phase", "50:30s",
                        "--max-requests", "1234"))) {
            load.awaitStart(START);
            Result result = load.await(RUN);
            assertThat(result.samples()).hasSize(1234);
            assertThat(server.answered()).isEqualTo(1234);
        }
    }

    @Test
    void refusedConnectsAreRecordedAndRetriedWithBackOff() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        try (LoadClientProcess load = LoadClientProcess.start(workDir, List.of(
                "--targets", url(closedPort), "--phase", "3:500ms"))) {
            load.awaitStart(START);
            Result result = load.await(RUN);
            assertThat(result.samples()).isNotEmpty().hasSizeLessThanOrEqualTo(3 * 6).allSatisfy(s -> {
                assertThat(s.status()).isEqualTo(Sample.CONNECTION_ERROR);
                assertThat(s.error()).isEqualTo("connect: ConnectException: Connection refused");
            });
            assertThat(result.output()).contains("LOAD DONE " + result.samples().size() + " " + result.samples().size());
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--phase 20                     | LoadClient: --phase: expected CONNECTIONS:DURATION",
        "--phase 20:1s --identities -3  | LoadClient: --identities: must be 1..",
        "--phase 20:1s --frobnicate 1   | LoadClient: --frobnicate: unknown option",
    })
    void badOptionsExitWith2AndAOneLineMessage(String options, String message) {
        List<String> args = new ArrayList<>(List.of("--targets", "http://127.0.0.1:9/"));
        args.addAll(List.of(options.split(" ")));
        try (LoadClientProcess load = LoadClientProcess.start(workDir, args)) {
            assertThat(load.awaitExit(START)).isEqualTo(2);
            assertThat(load.output().lines().toList()).hasSize(1).first().asString().startsWith(message);
            assertThatThrownBy(() -> load.await(START)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("exited with 2").hasMessageContaining(message);
        }
    }

    private static List<Integer> range(int from, int to) {
        List<Integer> ids = new ArrayList<>();
        for (int i = from; i < to; i++) {
            ids.add(i);
        }
        return ids;
    }

    private static List<Integer> conns(Result result, java.util.function.Predicate<Sample> which) {
        return result.samples().stream().filter(which).map(Sample::conn).distinct().sorted().toList();
    }

    private static String url(int port) {
        return "http://127.0.0.1:" + port + "/x";
    }

    /** A JDK HttpServer that answers by request number and counts statuses and client addresses. */
    private static final class CountingServer implements AutoCloseable {

        private final HttpServer server;
        private final String path;
        private final AtomicLong requests = new AtomicLong();
        private final Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
        private final Map<String, AtomicLong> forwardedFor = new ConcurrentHashMap<>();

        CountingServer(String path, java.util.function.LongToIntFunction statusOf) throws IOException {
            this.path = path;
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1000);
            server.createContext(path, exchange -> answer(exchange, statusOf.applyAsInt(requests.incrementAndGet())));
            server.start();
        }

        private void answer(HttpExchange exchange, int status) throws IOException {
            try (exchange) {
                forwardedFor.computeIfAbsent(exchange.getRequestHeaders().getFirst("X-Forwarded-For"),
                        k -> new AtomicLong()).incrementAndGet();
                byte[] body = ("status " + status).getBytes(StandardCharsets.US_ASCII);
                if (status == 429) {
                    exchange.getResponseHeaders().set("Retry-After", "1");
                }
                if (status == 202) {
                    exchange.getResponseHeaders().set("X-RateLimit-Degraded", "true");
                    exchange.sendResponseHeaders(status, 0); // chunked
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(body, 0, 3);
                        out.flush();
                        out.write(body, 3, body.length - 3);
                    }
                } else {
                    exchange.sendResponseHeaders(status, body.length);
                    exchange.getResponseBody().write(body);
                }
                statuses.computeIfAbsent(status, k -> new AtomicLong()).incrementAndGet();
            }
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + path;
        }

        Map<Integer, Long> statuses() {
            return statuses.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get()));
        }

        Map<String, Long> byForwardedFor() {
            return forwardedFor.entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get()));
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
