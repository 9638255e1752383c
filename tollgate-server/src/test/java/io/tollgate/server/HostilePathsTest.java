package io.tollgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.headers.RateLimitHeaders;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Non-canonical and odd request paths against the real server, run as a child JVM so the test reads exactly the
 * console an operator reads. Every answer must be a 4xx or the route's own answer, the limiter must apply the rule the
 * path normalises to (the expected rule is written by hand below, not computed by the production normaliser), and the
 * server must log nothing at WARN or ERROR and no stack trace while answering them.
 *
 * <p>The rules are the repository's names ({@code default}, {@code special_path}) plus {@code x}, with buckets large
 * enough that no request here is ever limited, so a 429 cannot hide the answer under test. All requests go over a
 * plain socket ({@link RawHttp}), one connection each: the JDK client would normalise or refuse most of these
 * targets.
 */
class HostilePathsTest {

    private static final String RULES = """
            {"default": {"capacity": 100000, "refill_rate": 1000},
             "special_path": {"capacity": 100000, "refill_rate": 1000},
             "x": {"capacity": 100000, "refill_rate": 1000}}
            """;
    private static final String PROBLEM_TYPE = "https://tollgate.dev/problems/non-canonical-path";
    private static final Pattern POLICY_NAME = Pattern.compile("^\"([^\"]+)\"");
    private static final Pattern LOUD_LINE = Pattern.compile("(?m)^\\S+\\s+(WARN|ERROR)\\s");
    private static final String NONE = null; // exempt, or no rule matches: no rate-limit headers

    @TempDir
    static Path dir;

    private static ChildJvm.Running server;
    private static int port;

    /** A request target, the status it must get, and the rule the limiter must name (null: none). */
    private record Case(String target, int status, String rule) {
    }

    @BeforeAll
    static void start() throws Exception {
        Files.writeString(dir.resolve("rules.json"), RULES);
        server = ChildJvm.start(dir, Map.of("PORT", "0", "RATE_LIMIT_RULES_PATH", "rules.json"));
        port = server.awaitPort(120);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void pathsThatMadeActuatorFailAre404ProblemsAndLogNothing() throws Exception {
        List<Case> cases = List.of(
                new Case("/health/../special_path", 404, "special_path"),
                new Case("/health;/../x", 404, "x"),
                new Case("/health/../../etc/passwd", 404, "default"),
                new Case("/metrics/..", 404, "default"),
                new Case("/health/%2e%2e/special_path", 404, "special_path"),
                new Case("/health/%2E%2E/special_path", 404, "special_path"),
                new Case("/health//tollgate", 404, "default"),
                new Case("/health;a=b", 404, NONE),
                new Case("/metrics;x", 404, NONE),
                new Case("/health/%2F..", 404, "default"),
                new Case("/health/..%2F", 404, "default"),
                new Case("/health/%2e%2e%2F", 404, "default"),
                new Case("/health/%5C..", 404, "default"),
                new Case("/health/./tollgate", 404, "default"),
                new Case("/health/db/../tollgate", 404, "default"),
                new Case("/health/tollgate%2F", 404, "default"),
                new Case("/health/a%2Fb", 404, "default"),
                new Case("/health/x%2F..", 404, NONE),
                new Case("/health/.", 404, NONE),
                new Case("/health/%2e", 404, NONE),
                new Case("/health/tollgate/..", 404, NONE),
                new Case("/health/tollgate;v=1", 404, "default"),
                new Case("/metrics/%2e%2e", 404, "default"),
                new Case("/special_path/../health", 404, NONE),
                new Case("/%2e%2e/health", 404, NONE),
                new Case("/special_path/..;/x", 404, "x"));
        int logStart = logLength();
        SoftAssertions soft = new SoftAssertions();
        for (Case c : cases) {
            RawHttp.Response r = RawHttp.get(port, c.target());
            checkCase(soft, c, r);
            soft.assertThat(r.header("Content-Type")).as("%s content type", c.target()).isEqualTo("application/problem+json");
            soft.assertThat(r.body()).as("%s body", c.target()).contains(PROBLEM_TYPE).doesNotContain(c.target());
        }
        soft.assertAll();
        assertQuietSince(logStart);
    }

    @Test
    void pathsThroughAMissingHealthComponentAre404LikeAMissingComponent() throws Exception {
        RawHttp.Response nope = RawHttp.get(port, "/health/nope");
        assertThat(nope.status()).isEqualTo(404);
        List<String> targets = List.of("/health/nope/x", "/health/a/b", "/health/nope/x/y", "/health/nope/tollgate",
                "/health/liveness/nope/x", "/health/tollgate/x", "/health/tollgate/x/y", "/health/ping/x",
                "/health/" + "a/".repeat(1000) + "b");
        int logStart = logLength();
        SoftAssertions soft = new SoftAssertions();
        for (String target : targets) {
            checkCase(soft, new Case(target, 404, "default"), RawHttp.get(port, target));
        }
        RawHttp.Response nested = RawHttp.get(port, "/health/nope/x");
        soft.assertThat(nested.body()).as("body like /health/nope").isEqualTo(nope.body());
        soft.assertThat(nested.header("Content-Length")).isEqualTo(nope.header("Content-Length"));
        soft.assertAll();
        assertQuietSince(logStart);
    }

    @Test
    void sweepOfOddPathsGetsARouteAnswerOrA4xxAndTheRuleTheirNormalFormMapsTo() throws Exception {
        String a4000 = "a".repeat(4000);
        String a20000 = "a".repeat(20_000);
        List<Case> cases = List.of(
                // the app's own routes, canonical
                new Case("/", 200, "default"),
                new Case("/special_path", 200, "special_path"),
                new Case("/health", 200, NONE),
                new Case("/health/", 200, NONE),
                new Case("/metrics", 200, NONE),
                new Case("/health/tollgate", 200, "default"),
                new Case("/health/nope", 404, "default"),
                new Case("/metrics/", 404, NONE),
                new Case("/special_path/", 404, "special_path"),
                new Case("/x", 404, "x"),
                new Case("/x/y", 404, "x"),
                // matrix parameters, raw and encoded
                new Case("/special_path;x", 404, "special_path"),
                new Case("/special_path;", 404, "special_path"),
                new Case("/special_path%3Bx", 404, "special_path"),
                new Case("/;x", 404, "default"),
                new Case("/special_path" + ";a".repeat(1900), 404, "special_path"),
                // empty and dot segments
                new Case("//special_path", 404, "special_path"),
                new Case("/special_path//", 404, "special_path"),
                new Case("/./special_path", 404, "special_path"),
                new Case("/x/../special_path", 404, "special_path"),
                new Case("/%2E%2E/special_path", 404, "special_path"),
                new Case("/health/" + "../".repeat(1300) + "special_path", 404, "special_path"),
                // encoded separators
                new Case("/special_path%2F", 404, "special_path"),
                new Case("/special_path%2Fx", 404, "special_path"),
                new Case("/x%5Cspecial_path", 404, "x"),
                // letter case: rules and routes are case-sensitive, so these are other paths, not aliases
                new Case("/HEALTH", 404, "default"),
                new Case("/Health/..", 404, "default"),
                new Case("/HEALTH/../special_path", 404, "special_path"),
                new Case("/SPECIAL_PATH", 404, "default"),
                new Case("/Special_Path/..", 404, "default"),
                // things that merely look like dots or are not ASCII
                new Case("/%C0%AE%C0%AE/special_path", 404, "default"),
                new Case("/health/%252e%252e/special_path", 404, "default"), // one decoding gives %2e%2e, not ..
                new Case("/health/é", 404, "default"),
                new Case("/health/%C3%A9", 404, "default"),
                new Case("/special_path/é", 404, "special_path"),
                new Case("/%ff", 404, "default"),
                new Case("/health/%00", 404, "default"),
                // invalid percent-encoding and raw backslashes: refused before any filter runs
                new Case("/health/%zz", 400, NONE),
                new Case("/health/%", 400, NONE),
                new Case("/%zz", 400, NONE),
                new Case("/special_path%", 400, NONE),
                new Case("/health%2", 400, NONE),
                new Case("/health\\..", 400, NONE),
                new Case("/health/..\\special_path", 400, NONE),
                // long: 4 000 characters still reach the app; 20 000 exceed Netty's 4 096-byte request line
                new Case("/health/" + a4000, 404, "default"),
                new Case("/special_path/" + a4000, 404, "special_path"),
                new Case("/health/../" + a4000, 404, "default"),
                new Case("/" + a20000, 414, NONE),
                new Case("/health/../" + a20000, 414, NONE));
        int logStart = logLength();
        SoftAssertions soft = new SoftAssertions();
        for (Case c : cases) {
            checkCase(soft, c, RawHttp.get(port, c.target()));
        }
        soft.assertAll();
        assertQuietSince(logStart);
    }

    @Test
    void oddRequestTargetsAreRefusedOrRoutedNeverFailed() throws Exception {
        // request line -> expected status
        Map<String, Integer> lines = new LinkedHashMap<>();
        lines.put("GET * HTTP/1.1", 404);
        lines.put("OPTIONS * HTTP/1.1", 404);
        lines.put("GET .. HTTP/1.1", 404);
        lines.put("GET ?x HTTP/1.1", 404);
        lines.put("GET #x HTTP/1.1", 404);
        lines.put("GET http://x HTTP/1.1", 404);
        lines.put("GET http://x/special_path HTTP/1.1", 200);
        lines.put("GET http://x/health/../special_path HTTP/1.1", 404);
        lines.put("GET https://elsewhere/health/%2e%2e/special_path HTTP/1.1", 404);
        lines.put("GET http://x/health/x%2F.. HTTP/1.1", 404);
        lines.put("GET //x/special_path HTTP/1.1", 404);
        lines.put("GET /health#../../x HTTP/1.1", 200);
        lines.put("GET /%u002e%u002e/special_path HTTP/1.1", 400);
        lines.put("GET /special_path?%zz HTTP/1.1", 400);
        lines.put("GET /a b HTTP/1.1", 400);
        lines.put("GET /a\tb HTTP/1.1", 400);
        lines.put("GET  HTTP/1.1", 400);
        lines.put("GET /health", 400);
        lines.put("GET /health\u0000 HTTP/1.1", 400);
        lines.put("GET /health\u007f HTTP/1.1", 400);
        for (String c : List.of("\"", "<", ">", "{", "}", "|", "^", "`", "[", "]")) {
            lines.put("GET /health" + c + " HTTP/1.1", 400);
        }
        lines.put("GET /\u00ff\u00fe HTTP/1.1", 404); // raw bytes that are not UTF-8
        int logStart = logLength();
        SoftAssertions soft = new SoftAssertions();
        for (Map.Entry<String, Integer> e : lines.entrySet()) {
            RawHttp.Response r = RawHttp.send(port, e.getKey().getBytes(StandardCharsets.ISO_8859_1));
            soft.assertThat(r.status()).as("status of %s (%s)", e.getKey(), r).isEqualTo(e.getValue());
        }
        soft.assertAll();
        assertQuietSince(logStart);
    }

    @Test
    void realHealthComponentsAndGroupsStillAnswer() throws Exception {
        int logStart = logLength();
        RawHttp.Response health = RawHttp.get(port, "/health");
        assertThat(health.status()).isEqualTo(200);
        JsonNode root = JsonMapper.shared().readTree(health.body());
        List<String> parts = new ArrayList<>(root.get("components").propertyNames());
        assertThat(parts).contains("tollgate", "ping");
        root.get("groups").values().forEach(g -> parts.add(g.asString()));
        assertThat(parts).contains("liveness", "readiness");
        for (String part : parts) {
            RawHttp.Response r = RawHttp.get(port, "/health/" + part);
            assertThat(r.status()).as("/health/%s", part).isEqualTo(200);
            assertThat(r.body()).as("/health/%s", part).contains("\"status\":\"UP\"");
        }
        assertThat(RawHttp.get(port, "/health/tollgate").body()).contains("in-memory");
        assertThat(RawHttp.get(port, "/health/nope").status()).isEqualTo(404);
        assertThat(RawHttp.get(port, "/metrics").body()).contains("tollgate_decisions_total{");
        assertThat(RawHttp.get(port, "/").status()).isEqualTo(200);
        assertThat(RawHttp.get(port, "/special_path").status()).isEqualTo(200);
        assertQuietSince(logStart);
    }

    private static void checkCase(SoftAssertions soft, Case c, RawHttp.Response r) {
        String shown = c.target().length() > 80 ? c.target().substring(0, 60) + "... (" + c.target().length() + " chars)" : c.target();
        soft.assertThat(r.status()).as("status of %s (%s)", shown, r.statusLine()).isEqualTo(c.status());
        soft.assertThat(ruleOf(r)).as("rule applied to %s", shown).isEqualTo(c.rule());
    }

    /** The rule named by the first item of the policy header, or null when the limiter added none. */
    private static String ruleOf(RawHttp.Response r) {
        String policy = r.header(RateLimitHeaders.POLICY);
        if (policy == null) {
            return null;
        }
        Matcher m = POLICY_NAME.matcher(policy);
        return m.find() ? m.group(1) : "unparseable: " + policy;
    }

    private static int logLength() throws IOException {
        return server.output().length();
    }

    /** Nothing at WARN or ERROR and nothing like a stack trace since {@code from}. */
    private static void assertQuietSince(int from) throws Exception {
        Thread.sleep(300); // the console is written synchronously; this only covers a line racing the last response
        String log = server.output().substring(from);
        assertThat(log).as("server log while answering").doesNotContainPattern(LOUD_LINE).doesNotContain("\tat ")
                .doesNotContain("Exception");
    }
}
