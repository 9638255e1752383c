package io.tollgate.core.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuleSetParserTest {

    static final String SEED =
            "{\"default\": {\"capacity\": 20, \"refill_rate\": 5}, \"special_path\": {\"capacity\": 50, \"refill_rate\": 10}}";

    private static RuleSet parse(String json) {
        return RuleSetParser.parse(json, "rate_limits.json");
    }

    private static Rule only(String json) {
        return parse(json).rules().get(0);
    }

    @Test
    void seedFileLoads() {
        RuleSet set = parse(SEED);

        Rule def = set.defaultRule().orElseThrow();
        assertThat(def.spec()).isEqualTo(BucketSpec.of(Limit.of(20, 5, RefillPeriod.SECOND)));
        assertThat(def.paths()).isEmpty();
        assertThat(def.methods()).isEmpty();
        assertThat(def.keySource()).isEqualTo(KeySource.IP);
        assertThat(def.cost()).isEqualTo(1);
        assertThat(def.mode()).isEqualTo(RuleMode.ENFORCE);
        assertThat(def.failurePolicy()).isNull();

        Rule special = set.rule("special_path").orElseThrow();
        assertThat(special.spec()).isEqualTo(BucketSpec.of(Limit.of(50, 10, RefillPeriod.SECOND)));
        assertThat(special.paths()).containsExactly(PathPattern.forRuleName("special_path"));
        assertThat(set.rules()).extracting(Rule::name).containsExactly("special_path", "default");
        assertThat(set.exemptPaths()).isEmpty();
    }

    @Test
    void seedFileMatching() {
        RuleSet set = parse(SEED);
        assertThat(set.find("GET", "/").name()).isEqualTo("default");
        assertThat(set.find("GET", "/anything").name()).isEqualTo("default");
        assertThat(set.find("POST", "/anything/else").name()).isEqualTo("default");
        for (String p : List.of("/special_path", "/special_path/x", "/special_path/")) {
            assertThat(set.find("GET", p).name()).as(p).isEqualTo("special_path");
        }
        for (String p : List.of("/special_pathx", "/other/special_path")) {
            assertThat(set.find("GET", p).name()).as(p).isEqualTo("default");
        }
    }

    @Test
    void seedFileLoadsFromDisk(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("rate_limits.json");
        Files.writeString(file, SEED);
        assertThat(RuleSetParser.parse(file)).isEqualTo(parse(SEED));
    }

    @Test
    void byteOrderMarkIsIgnored(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("rate_limits.json");
        Files.writeString(file, "\uFEFF" + SEED, StandardCharsets.UTF_8);
        assertThat(RuleSetParser.parse(file)).isEqualTo(parse(SEED));
    }

    @Test
    void missingFileNamesThePath(@TempDir Path dir) {
        Path file = dir.resolve("nope.json");
        assertThatThrownBy(() -> RuleSetParser.parse(file)).isInstanceOf(RulesFileException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("not found");
    }

    @Test
    void directoryIsUnreadable(@TempDir Path dir) {
        assertThatThrownBy(() -> RuleSetParser.parse(dir)).isInstanceOf(RulesFileException.class)
                .hasMessageContaining(dir.toString()).hasMessageContaining("cannot be read");
    }

    @Test
    void invalidUtf8IsReported(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("rate_limits.json");
        Files.write(file, new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'});
        assertThatThrownBy(() -> RuleSetParser.parse(file)).isInstanceOf(RulesFileException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("UTF-8");
    }

    @Test
    void emptyObjectHasNoRules() {
        RuleSet set = parse("{}");
        assertThat(set.rules()).isEmpty();
        assertThat(set.find("GET", "/")).isNull();
    }

    @Test
    void explicitMatchPathsAndMethods() {
        Rule r = only("""
                {"writes": {"capacity": 5, "refill_rate": 1,
                            "match": {"paths": ["/api/**", "/v2/*/orders"], "methods": ["post", "PUT", "POST"]}}}
                """);
        assertThat(r.paths()).containsExactly(PathPattern.of("/api/**"), PathPattern.of("/v2/*/orders"));
        assertThat(r.methods()).isEqualTo(Set.of("POST", "PUT"));
        assertThat(r.matches("POST", "/api/x")).isTrue();
        assertThat(r.matches("GET", "/api/x")).isFalse();
        assertThat(r.matches("PUT", "/v2/7/orders")).isTrue();
        assertThat(r.matches("PUT", "/writes")).isFalse();
    }

    @Test
    void methodsWithoutPathsKeepTheNamePath() {
        Rule r = only("{\"login\": {\"capacity\": 5, \"refill_rate\": 1, \"match\": {\"methods\": [\"POST\"]}}}");
        assertThat(r.paths()).containsExactly(PathPattern.forRuleName("login"));
        assertThat(r.matches("POST", "/login")).isTrue();
        assertThat(r.matches("GET", "/login")).isFalse();
        assertThat(r.matches("POST", "/other")).isFalse();
    }

    @Test
    void keyForms() {
        assertThat(only("{\"a\": {\"capacity\": 1, \"refill_rate\": 1, \"key\": \"ip\"}}").keySource())
                .isEqualTo(KeySource.IP);
        assertThat(only("{\"a\": {\"capacity\": 1, \"refill_rate\": 1, \"key\": \"global\"}}").keySource())
                .isEqualTo(KeySource.GLOBAL);
        assertThat(only("{\"a\": {\"capacity\": 1, \"refill_rate\": 1, \"key\": \"header:X-API-Key\"}}").keySource()
                .parts()).containsExactly(new KeySource.Part(KeySource.Kind.HEADER, "X-API-Key"));
        assertThat(only("{\"a\": {\"capacity\": 1, \"refill_rate\": 1, \"key\": [\"ip\", \"header:X-API-Key\"]}}")
                .keySource().parts()).containsExactly(new KeySource.Part(KeySource.Kind.IP, null),
                        new KeySource.Part(KeySource.Kind.HEADER, "X-API-Key"));
    }

    @Test
    void principalQueryAndPathKeyForms() {
        Rule r = only("{\"t\": {\"capacity\": 1, \"refill_rate\": 1, \"match\": {\"paths\": [\"/t/{tenant}/**\"]},"
                + " \"key\": [\"principal\", \"query:api_key\", \"path:tenant\"]}}");
        assertThat(r.keySource().parts()).containsExactly(new KeySource.Part(KeySource.Kind.PRINCIPAL, null),
                new KeySource.Part(KeySource.Kind.QUERY, "api_key"), new KeySource.Part(KeySource.Kind.PATH, "tenant"));
        assertThat(r.matches("GET", "/t/acme/x")).isTrue();
        assertThat(only("{\"a\": {\"capacity\": 1, \"refill_rate\": 1, \"key\": \"principal\"}}").keySource()
                .needsPrincipal()).isTrue();
    }

    @Test
    void countForms() {
        assertThat(only("{\"a\": {\"capacity\": 1, \"refill_rate\": 1}}").countedResponses())
                .isEqualTo(CountedResponses.ALL);
        assertThat(only("{\"a\": {\"capacity\": 1, \"refill_rate\": 1, \"count\": \"failures\"}}")
                .countedResponses()).isEqualTo(CountedResponses.FAILURES);
        Rule login = only("{\"login\": {\"capacity\": 10, \"refill_rate\": 1, \"period\": \"hour\","
                + " \"count\": {\"status\": [403, 401.0]}}}");
        assertThat(login.countsAfterResponse()).isTrue();
        assertThat(login.countedResponses()).isEqualTo(CountedResponses.statuses(List.of(401, 403)));
    }

    @Test
    void costModeAndFailurePolicy() {
        Rule r = only("""
                {"search": {"capacity": 10, "refill_rate": 2, "cost": 10, "mode": "shadow",
                            "failure_policy": "fail-closed"}}
                """);
        assertThat(r.cost()).isEqualTo(10);
        assertThat(r.mode()).isEqualTo(RuleMode.SHADOW);
        assertThat(r.failurePolicy()).isEqualTo(FailurePolicy.FAIL_CLOSED);
        assertThat(only("{\"a\": {\"capacity\": 1, \"refill_rate\": 1, \"mode\": \"enforce\", \"failure_policy\": \"local\"}}"))
                .satisfies(x -> {
                    assertThat(x.mode()).isEqualTo(RuleMode.ENFORCE);
                    assertThat(x.failurePolicy()).isEqualTo(FailurePolicy.LOCAL);
                });
        assertThat(only("{\"a\": {\"capacity\": 1, \"refill_rate\": 1, \"failure_policy\": \"fail-open\"}}")
                .failurePolicy()).isEqualTo(FailurePolicy.FAIL_OPEN);
    }

    @Test
    void leaseIsOptInPerRule() {
        assertThat(only("{\"everyone\": {\"key\": \"global\", \"capacity\": 10000, \"refill_rate\": 10000, \"lease\": true}}")
                .lease()).isTrue();
        assertThat(only("{\"a\": {\"capacity\": 1, \"refill_rate\": 1}}").lease()).isFalse();
    }

    @Test
    void limitsWithPeriodsAndFractionalRates() {
        Rule r = only("""
                {"api": {"limits": [
                    {"capacity": 10, "refill_rate": 0.5},
                    {"capacity": 100, "refill_rate": 1, "period": "minute"},
                    {"capacity": 1000, "refill_rate": 1000, "period": "hour"},
                    {"capacity": 5000, "refill_rate": 5000, "period": "day"}]}}
                """);
        assertThat(r.spec().limits()).containsExactly(
                Limit.of(10, new BigDecimal("0.5"), RefillPeriod.SECOND),
                Limit.of(100, 1, RefillPeriod.MINUTE),
                Limit.of(1000, 1000, RefillPeriod.HOUR),
                Limit.of(5000, 5000, RefillPeriod.DAY));
        assertThat(r.spec().limit(0).refillTokens()).isEqualByComparingTo("0.5");
        assertThat(r.spec().minCapacity()).isEqualTo(10);
    }

    @Test
    void shorthandPeriodAndExactDecimals() {
        Rule r = only("{\"a\": {\"capacity\": 3, \"refill_rate\": 0.1, \"period\": \"minute\"}}");
        Limit l = r.spec().limit(0);
        assertThat(l.period()).isEqualTo(RefillPeriod.MINUTE);
        // 0.1 must be the decimal 0.1, not the double nearest to it
        assertThat(l.refillTokens()).isEqualByComparingTo("0.1");
        assertThat(l.spec()).isEqualTo("3@0.1/minute");
    }

    @Test
    void wholeValuedDecimalsAreAcceptedForCapacity() {
        assertThat(only("{\"a\": {\"capacity\": 20.0, \"refill_rate\": 5}}").spec().limit(0).capacity()).isEqualTo(20);
        assertThat(only("{\"a\": {\"capacity\": 1e3, \"refill_rate\": 5}}").spec().limit(0).capacity()).isEqualTo(1000);
    }

    @Test
    void exemptPaths() {
        RuleSet set = parse("""
                {"exempt_paths": ["/health", "/static/**"],
                 "default": {"capacity": 20, "refill_rate": 5}}
                """);
        assertThat(set.exemptPaths()).containsExactly(PathPattern.of("/health"), PathPattern.of("/static/**"));
        assertThat(set.find("GET", "/health")).isNull();
        assertThat(set.match("GET", "/static/app.js")).isEmpty();
        assertThat(set.find("GET", "/healthz").name()).isEqualTo("default");
        assertThat(set.rule("exempt_paths")).isEmpty();
    }

    @Test
    void firstMatchWinsInFileOrderAndDefaultIsLast() {
        RuleSet set = parse("""
                {"default": {"capacity": 20, "refill_rate": 5},
                 "login": {"capacity": 5, "refill_rate": 1, "match": {"paths": ["/api/login"]}},
                 "api": {"capacity": 100, "refill_rate": 50, "match": {"paths": ["/api/**"]}},
                 "never": {"capacity": 1, "refill_rate": 1, "match": {"paths": ["/api/login"]}}}
                """);
        assertThat(set.rules()).extracting(Rule::name).containsExactly("login", "api", "never", "default");
        assertThat(set.find("POST", "/api/login").name()).isEqualTo("login");
        assertThat(set.find("GET", "/api/users").name()).isEqualTo("api");
        assertThat(set.find("GET", "/else").name()).isEqualTo("default");
    }

    @Test
    void withoutDefaultUnmatchedRequestsHaveNoRule() {
        RuleSet set = parse("{\"api\": {\"capacity\": 1, \"refill_rate\": 1}}");
        assertThat(set.find("GET", "/api/x").name()).isEqualTo("api");
        assertThat(set.find("GET", "/other")).isNull();
    }

    @Test
    void ruleNamesWithDotsAndDashes() {
        RuleSet set = parse("{\"v1.users-list\": {\"capacity\": 1, \"refill_rate\": 1}}");
        assertThat(set.find("GET", "/v1.users-list/7").name()).isEqualTo("v1.users-list");
    }

    @Test
    void everyExtensionTogether() {
        RuleSet set = parse("""
                {
                  "exempt_paths": ["/health"],
                  "uploads": {
                    "limits": [{"capacity": 10, "refill_rate": 1, "period": "minute"},
                               {"capacity": 100, "refill_rate": 100, "period": "day"}],
                    "match": {"paths": ["/upload/**"], "methods": ["POST"]},
                    "key": ["header:X-API-Key", "ip"],
                    "cost": 2,
                    "mode": "shadow",
                    "failure_policy": "local"
                  },
                  "default": {"capacity": 20, "refill_rate": 5, "key": "global", "failure_policy": "fail-open"}
                }
                """);
        Rule up = set.find("POST", "/upload/a");
        assertThat(up.name()).isEqualTo("uploads");
        assertThat(up.spec().spec()).isEqualTo("10@1/minute+100@100/day");
        assertThat(up.cost()).isEqualTo(2);
        assertThat(up.mode()).isEqualTo(RuleMode.SHADOW);
        assertThat(up.failurePolicy()).isEqualTo(FailurePolicy.LOCAL);
        assertThat(up.keySource().toString()).isEqualTo("[header:X-API-Key,ip]");
        assertThat(set.find("GET", "/upload/a").name()).isEqualTo("default");
        assertThat(set.defaultRule().orElseThrow().keySource().isGlobal()).isTrue();
    }

    @Test
    void theReadmesKeysAndCountExampleMeansWhatItSays() throws Exception {
        RuleSet set = RuleSetParser.parse(Files.readString(
                Path.of("src/test/resources/readme/keys-and-count-rules.json")), "rate_limits.json");
        assertThat(set.rule("login").orElseThrow().countedResponses().statuses()).containsExactly(401, 403);
        assertThat(set.rule("signup").orElseThrow().countedResponses()).isEqualTo(CountedResponses.FAILURES);
        assertThat(set.rule("per-user").orElseThrow().keySource()).hasToString("principal");
        assertThat(set.rule("per-key").orElseThrow().keySource()).hasToString("[query:api_key,ip]");
        assertThat(set.rule("per-tenant").orElseThrow().keySource()).hasToString("path:tenant");
    }
}
