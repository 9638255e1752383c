package io.tollgate.core.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every invariant of one rule, checked by the draft whatever the source, and reported by field path. */
class RuleDraftTest {

    private static LimitDraft limit(long capacity, long rate) {
        return new LimitDraft(capacity, BigDecimal.valueOf(rate), null);
    }

    /** A valid rule {@code name} of 20 @ 5/second, to which each test adds the field under test. */
    private static RuleDraft draft(String name) {
        return RuleDraft.named(name).limit(limit(20, 5));
    }

    private static Rule valid(RuleDraft d) {
        Validated<Rule> v = d.validate();
        assertThat(v.problems()).as("problems").isEmpty();
        return v.value();
    }

    /** The only problem of {@code d}. */
    private static RuleProblem problem(RuleDraft d) {
        Validated<Rule> v = d.validate();
        assertThat(v.isValid()).as("valid").isFalse();
        assertThat(v.problems()).hasSize(1);
        return v.problems().get(0);
    }

    private static void assertProblem(RuleDraft d, String field, String value, String messageFragment) {
        RuleProblem p = problem(d);
        assertThat(p.rule()).isEqualTo(d.name());
        assertThat(p.field()).isEqualTo(field);
        assertThat(p.value()).isEqualTo(value);
        assertThat(p.message()).contains(messageFragment);
    }

    @Test
    void defaultsOfAPlainRule() {
        Rule r = valid(draft("api"));
        assertThat(r.spec()).isEqualTo(BucketSpec.of(Limit.of(20, 5, RefillPeriod.SECOND)));
        assertThat(r.paths()).containsExactly(PathPattern.forRuleName("api"));
        assertThat(r.methods()).isEmpty();
        assertThat(r.keySource()).isEqualTo(KeySource.IP);
        assertThat(r.cost()).isEqualTo(1);
        assertThat(r.mode()).isEqualTo(RuleMode.ENFORCE);
        assertThat(r.failurePolicy()).isNull();
        assertThat(r.lease()).isFalse();
    }

    @Test
    void everyFieldIsMapped() {
        Rule r = valid(RuleDraft.named("uploads")
                .limits(List.of(new LimitDraft(10L, new BigDecimal("0.5"), "Minute"), limit(100, 100)))
                .paths(List.of("/upload/**", "/v2/*/upload", "/upload/**"))
                .methods(List.of("post", "PUT", "POST"))
                .key(List.of("header:X-API-Key", "ip"))
                .cost(10L).mode("SHADOW").failurePolicy("fail-closed").lease(true));
        assertThat(r.spec().spec()).isEqualTo("10@0.5/minute+100@100/second");
        assertThat(r.paths()).containsExactly(PathPattern.of("/upload/**"), PathPattern.of("/v2/*/upload"));
        assertThat(r.methods()).isEqualTo(Set.of("POST", "PUT"));
        assertThat(r.keySource().toString()).isEqualTo("[header:X-API-Key,ip]");
        assertThat(r.cost()).isEqualTo(10);
        assertThat(r.mode()).isEqualTo(RuleMode.SHADOW);
        assertThat(r.failurePolicy()).isEqualTo(FailurePolicy.FAIL_CLOSED);
        assertThat(r.lease()).isTrue();
    }

    // ---- name and reach ----------------------------------------------------------------------------------------

    @Test
    void invalidNames() {
        for (String name : Arrays.asList("my rule", "", "a/b", "x".repeat(65), null)) {
            RuleProblem p = problem(draft(name));
            assertThat(p.path()).as(name).isEmpty();
            assertThat(p.field()).isNull();
            assertThat(p.value()).isEqualTo(name);
            assertThat(p.message()).startsWith("invalid rule name; a rule name must be 1 to 64 characters");
        }
        assertThat(valid(draft("v1.users-list_2")).name()).isEqualTo("v1.users-list_2");
    }

    @Test
    void defaultRuleMatchesEverythingAndTakesNoPathsOrMethods() {
        Rule def = valid(draft("default"));
        assertThat(def.paths()).isEmpty();
        assertThat(def.methods()).isEmpty();
        assertThat(def.matches("DELETE", "/any/where")).isTrue();

        assertProblem(draft("default").paths(List.of("/**")), "match.paths", "/**", "cannot have paths or methods");
        assertProblem(draft("default").methods(List.of("GET", "POST")), "match.methods", "GET,POST",
                "cannot have paths or methods");
    }

    @Test
    void anotherRuleWithoutPathsCoversItsNamePath() {
        Rule r = valid(draft("login").methods(List.of("POST")));
        assertThat(r.paths()).containsExactly(PathPattern.forRuleName("login"));
        assertThat(r.matches("POST", "/login/x")).isTrue();
        assertThat(r.matches("POST", "/other")).isFalse();
    }

    @Test
    void pathsMustBeValidPatterns() {
        assertProblem(draft("a").paths(List.of()), "match.paths", "[]", "at least one path pattern but the list is empty");
        assertProblem(draft("a").paths(List.of("/ok", "api/**")), "match.paths[1]", "api/**",
                "must start with \"/\" but got \"api/**\"");
        assertProblem(draft("a").paths(List.of("/api**")), "match.paths[0]", "/api**", "\"**\" must be a whole path segment");
        assertProblem(draft("a").paths(Arrays.asList("/ok", null)), "match.paths[1]", null, "missing");
    }

    // ---- methods -----------------------------------------------------------------------------------------------

    @Test
    void methodsMustBeHttpTokens() {
        for (String bad : List.of("GE T", "", "GET/", "G\u00c9T", "GET,POST", "(GET)")) {
            assertProblem(draft("a").methods(List.of("GET", bad)), "match.methods[1]", bad,
                    "expected an HTTP method name such as \"GET\" but got \"" + bad + "\"");
        }
        // RFC 9110 tokens allow these, and extension methods exist
        assertThat(valid(draft("a").methods(List.of("PROPFIND", "m-search", "X_CUSTOM!"))).methods())
                .containsExactlyInAnyOrder("PROPFIND", "M-SEARCH", "X_CUSTOM!");
        assertProblem(draft("a").methods(List.of()), "match.methods", "[]", "at least one HTTP method but the list is empty");
    }

    // ---- key ---------------------------------------------------------------------------------------------------

    @Test
    void keyNeedsAtLeastOneDistinctValidPart() {
        assertProblem(draft("a").key(List.of()), "key", "[]", "at least one key part but the list is empty");
        assertProblem(draft("a").key(List.of("ip", "mac")), "key[1]", "mac", "\"mac\"");
        assertProblem(draft("a").key("cookie:session"), "key", "cookie:session", "\"cookie:session\"");
        assertProblem(draft("a").key("header:X Key"), "key", "header:X Key", "valid HTTP header name");
        assertProblem(draft("a").key(List.of("ip", "ip")), "key[1]", "ip", "\"ip\" appears more than once in the key");
        assertProblem(draft("a").key(List.of("global", "ip", "GLOBAL")), "key[2]", "GLOBAL",
                "\"global\" appears more than once in the key");
        // header names are case-insensitive
        assertProblem(draft("a").key(List.of("header:X-Key", "header:x-key")), "key[1]", "header:x-key",
                "\"header:x-key\" appears more than once");
        assertThat(valid(draft("a").key(List.of("header:A", "header:B"))).keySource().parts()).hasSize(2);
        assertThat(valid(draft("a").key("global")).keySource()).isEqualTo(KeySource.GLOBAL);
    }

    // ---- limits ------------------------------------------------------------------------------------------------

    @Test
    void eitherShorthandOrLimitsNotBothNorNeither() {
        assertProblem(draft("a").limits(List.of(limit(1, 1))), "limits", null, "not both");
        assertProblem(RuleDraft.named("a"), "capacity", null, "needs \"capacity\" and \"refill_rate\", or \"limits\"");
        assertProblem(RuleDraft.named("a").limits(List.of()), "limits", "[]", "at least one limit but the list is empty");
        assertProblem(RuleDraft.named("a").limits(Arrays.asList(limit(1, 1), null)), "limits[1]", null, "missing");
    }

    @Test
    void capacityAndRateRanges() {
        assertProblem(RuleDraft.named("a").limit(new LimitDraft(null, BigDecimal.ONE, null)), "capacity", null,
                "missing; expected a whole number greater than 0");
        assertProblem(RuleDraft.named("a").limit(new LimitDraft(0L, BigDecimal.ONE, null)), "capacity", "0",
                "expected a whole number greater than 0 but got 0");
        assertProblem(RuleDraft.named("a").limit(new LimitDraft(5L, null, null)), "refill_rate", null,
                "missing; expected a number greater than 0 (tokens added per period)");
        assertProblem(RuleDraft.named("a").limit(new LimitDraft(5L, new BigDecimal("-0.5"), null)), "refill_rate",
                "-0.5", "greater than 0 (tokens added per period) but got -0.5");
        assertProblem(RuleDraft.named("a").limits(List.of(limit(1, 1), new LimitDraft(-3L, BigDecimal.ONE, null))),
                "limits[1].capacity", "-3", "but got -3");
    }

    @Test
    void periods() {
        assertThat(valid(RuleDraft.named("a").limit(new LimitDraft(3L, BigDecimal.ONE, "HOUR"))).spec().limit(0)
                .period()).isEqualTo(RefillPeriod.HOUR);
        // the envoyproxy/ratelimit units are periods everywhere: 7, 30 and 365 days
        assertThat(valid(RuleDraft.named("a").limit(new LimitDraft(100L, BigDecimal.valueOf(100), "week"))).spec()
                .limit(0).period().micros()).isEqualTo(7 * 86_400_000_000L);
        assertThat(valid(RuleDraft.named("a").limit(new LimitDraft(100L, BigDecimal.ONE, "Month"))).spec().limit(0)
                .period()).isEqualTo(RefillPeriod.MONTH);
        assertThat(valid(RuleDraft.named("a").limit(new LimitDraft(100L, BigDecimal.ONE, "year"))).spec().limit(0)
                .period().micros()).isEqualTo(365 * 86_400_000_000L);
        assertProblem(RuleDraft.named("a").limits(List.of(new LimitDraft(3L, BigDecimal.ONE, "fortnight"))),
                "limits[0].period", "fortnight", "but got \"fortnight\"");
    }

    @Test
    void exactArithmeticBoundsBlameTheLikelyField() {
        assertProblem(RuleDraft.named("a").limit(new LimitDraft(9007199254740993L, BigDecimal.ONE, "day")), "capacity",
                "9007199254740993", "capacity 9007199254740993 with refill_rate 1 per day is too large");
        assertProblem(RuleDraft.named("a").limit(new LimitDraft(20L, new BigDecimal("0.123456789"), "day")),
                "refill_rate", "0.123456789", "is too large to compute exactly");
        assertProblem(RuleDraft.named("a").limits(List.of(new LimitDraft(20L, new BigDecimal("1e999999999"), null))),
                "limits[0].capacity", "20", "1E+999999999");
    }

    // ---- cost, mode, failure policy ----------------------------------------------------------------------------

    @Test
    void costIsAtLeastOneAndAtMostTheSmallestCapacity() {
        assertProblem(draft("a").cost(0L), "cost", "0", "expected a whole number of at least 1 but got 0");
        assertProblem(draft("a").cost(21L), "cost", "21",
                "cost 21 exceeds the smallest capacity of this rule (20), so no request could ever be allowed");
        assertThat(valid(draft("a").cost(20L)).cost()).isEqualTo(20);
        RuleDraft two = RuleDraft.named("a").limits(List.of(limit(100, 1), limit(5, 1)));
        assertProblem(two.cost(6L), "cost", "6", "smallest capacity of this rule (5)");
        assertThat(valid(two.cost(5L)).cost()).isEqualTo(5);
    }

    @Test
    void modeAndFailurePolicyNames() {
        assertProblem(draft("a").mode("block"), "mode", "block", "expected \"enforce\" or \"shadow\" but got \"block\"");
        assertProblem(draft("a").failurePolicy("retry"), "failure_policy", "retry", "but got \"retry\"");
        assertThat(valid(draft("a").failurePolicy("FAIL_OPEN_UNBOUNDED")).failurePolicy())
                .isEqualTo(FailurePolicy.FAIL_OPEN_UNBOUNDED);
    }

    // ---- reporting ---------------------------------------------------------------------------------------------

    @Test
    void everyProblemIsReportedInFieldOrder() {
        Validated<Rule> v = RuleDraft.named("bad name")
                .limits(List.of(new LimitDraft(0L, BigDecimal.ZERO, "fortnight")))
                .methods(List.of("GE T")).key(List.of("ip", "ip")).cost(0L).mode("block").failurePolicy("retry")
                .validate();
        assertThat(v.problems()).extracting(RuleProblem::field).containsExactly(null, "limits[0].capacity",
                "limits[0].refill_rate", "limits[0].period", "match.methods[0]", "key[1]", "cost", "mode",
                "failure_policy");
        assertThat(v.problems()).extracting(RuleProblem::rule).containsOnly("bad name");
        assertThat(v.problems().get(1).path()).containsExactly("limits", "[0]", "capacity");
        assertThatThrownBy(v::value).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> v.orElseThrow(p -> new IllegalArgumentException(p.message())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("invalid rule name");
    }

    // ---- the rule set ------------------------------------------------------------------------------------------

    @Test
    void ruleSetKeepsOrderAndExemptPaths() {
        RuleSet set = new RuleSetDraft().add(draft("default")).add(draft("api")).exemptPaths(List.of("/health", "/health"))
                .validate().value();
        assertThat(set.rules()).extracting(Rule::name).containsExactly("api", "default");
        assertThat(set.exemptPaths()).containsExactly(PathPattern.of("/health"));
    }

    @Test
    void ruleSetRejectsDuplicateNamesBadExemptPathsAndCollectsRuleProblems() {
        Validated<RuleSet> v = new RuleSetDraft().exemptPaths(List.of("/ok", "metrics"))
                .add(draft("api")).add(draft("api").cost(99L)).add(draft("other").cost(21L)).validate();
        assertThat(v.problems()).hasSize(3);
        RuleProblem exempt = v.problems().get(0);
        assertThat(exempt.rule()).isNull();
        assertThat(exempt.field()).isEqualTo("exempt_paths[1]");
        assertThat(exempt.message()).contains("\"metrics\"");
        RuleProblem dup = v.problems().get(1);
        assertThat(dup.rule()).isEqualTo("api");
        assertThat(dup.field()).isNull();
        assertThat(dup.message()).isEqualTo("rule name appears more than once; rule names must be unique");
        assertThat(v.problems().get(2).rule()).isEqualTo("other");
        assertThat(v.problems().get(2).field()).isEqualTo("cost");
    }

    // ---- principal, query and path keys --------------------------------------------------------------------------

    @Test
    void principalQueryAndPathPartsParseAndCombine() {
        Rule r = valid(draft("a").paths(List.of("/t/{tenant}/**")).key(List.of("principal", "query:api_key",
                "path:tenant", "ip")));
        assertThat(r.keySource().parts()).containsExactly(new KeySource.Part(KeySource.Kind.PRINCIPAL, null),
                new KeySource.Part(KeySource.Kind.QUERY, "api_key"), new KeySource.Part(KeySource.Kind.PATH, "tenant"),
                new KeySource.Part(KeySource.Kind.IP, null));
        assertThat(r.keySource().needsPrincipal()).isTrue();
        assertThat(r.keySource().toString()).isEqualTo("[principal,query:api_key,path:tenant,ip]");
        assertThat(valid(draft("a").key("PRINCIPAL")).keySource().needsPrincipal()).isTrue();
        assertThat(valid(draft("a").key("ip")).keySource().needsPrincipal()).isFalse();
    }

    @Test
    void queryAndPathNamesAreCheckedAndKeepTheirCase() {
        assertProblem(draft("a").key("query:"), "key", "query:", "query parameter name in \"query:\" must be 1 to 64");
        assertProblem(draft("a").key("query:a b"), "key", "query:a b", "without spaces");
        assertProblem(draft("a").key("query:a=b"), "key", "query:a=b", "'&', '=' or '#'");
        assertProblem(draft("a").key("query:" + "q".repeat(65)), "key", "query:" + "q".repeat(65), "1 to 64");
        assertProblem(draft("a").key("path:1st"), "key", "path:1st", "path variable name in \"path:1st\"");
        // parameter names are case-sensitive, unlike header names
        assertThat(valid(draft("a").key(List.of("query:Key", "query:key"))).keySource().parts()).hasSize(2);
        assertProblem(draft("a").key(List.of("query:key", "query:key")), "key[1]", "query:key",
                "\"query:key\" appears more than once in the key");
        assertProblem(draft("a").key(List.of("principal", "principal")), "key[1]", "principal", "more than once");
    }

    @Test
    void aPathKeyNeedsItsVariableInEveryPatternOfTheRule() {
        assertThat(valid(draft("a").paths(List.of("/t/{tenant}", "/v2/t/{tenant}/**")).key("path:tenant")).keySource()
                .parts()).containsExactly(new KeySource.Part(KeySource.Kind.PATH, "tenant"));
        assertProblem(draft("a").paths(List.of("/t/{tenant}", "/admin/**")).key("path:tenant"), "key", "path:tenant",
                "path variable \"tenant\" is not in the rule's path pattern \"/admin/**\"; a \"path:\" key needs a"
                        + " {tenant} segment in every path pattern of its rule");
        // without match.paths the rule covers /<name>/**, which has no variable
        assertProblem(draft("a").key(List.of("ip", "path:id")), "key[1]", "path:id",
                "is not in the rule's path pattern \"/a/**\"");
        assertProblem(RuleDraft.named("default").limit(limit(20, 5)).key("path:id"), "key", "path:id",
                "path variable \"id\" needs a path pattern with a {id} segment, and the default rule has no path"
                        + " patterns");
        // a bad pattern is reported once, not again through the key
        assertProblem(draft("a").paths(List.of("t/{tenant}")).key("path:tenant"), "match.paths[0]", "t/{tenant}",
                "must start with");
    }

    // ---- count ---------------------------------------------------------------------------------------------------

    @Test
    void countIsEveryRequestUnlessFailuresOrStatusesAreGiven() {
        assertThat(valid(draft("a")).countedResponses()).isEqualTo(CountedResponses.ALL);
        assertThat(valid(draft("a")).countsAfterResponse()).isFalse();
        Rule failures = valid(draft("a").count("Failures"));
        assertThat(failures.countedResponses()).isEqualTo(CountedResponses.FAILURES);
        assertThat(failures.countsAfterResponse()).isTrue();
        Rule statuses = valid(draft("a").countStatuses(List.of(403L, 401L, 401L)));
        assertThat(statuses.countedResponses().statuses()).containsExactly(401, 403);
        assertThat(statuses.toString()).endsWith(" count=status=[401, 403]}");
        assertThat(statuses).isNotEqualTo(valid(draft("a")));
    }

    @Test
    void countProblemsNameTheirField() {
        assertProblem(draft("a").count("sometimes"), "count", "sometimes",
                "expected \"failures\" or a \"status\" list such as [401, 403] but got \"sometimes\"");
        assertProblem(draft("a").countStatuses(List.of()), "count.status", "[]",
                "expected at least one HTTP status code but the list is empty");
        assertProblem(draft("a").countStatuses(List.of(401L, 600L)), "count.status[1]", "600",
                "expected an HTTP status code from 100 to 599 but got 600");
        assertProblem(draft("a").countStatuses(List.of(99L)), "count.status[0]", "99", "from 100 to 599 but got 99");
        assertProblem(draft("a").countStatuses(Arrays.asList(401L, null)), "count.status[1]", null,
                "missing; expected an HTTP status code from 100 to 599");
        assertProblem(draft("a").count("failures").countStatuses(List.of(401L)), "count", "failures", "not both");
        assertProblem(draft("a").count("failures").lease(true), "lease", "true",
                "a rule with \"count\" takes its tokens after the response, so it cannot lease them; remove"
                        + " \"lease\" or \"count\"");
    }
}
