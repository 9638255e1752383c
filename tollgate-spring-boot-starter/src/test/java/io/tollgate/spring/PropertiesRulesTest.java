package io.tollgate.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tollgate.core.limiter.Outcome;
import io.tollgate.core.limiter.RateLimiter;
import io.tollgate.core.rules.Rule;
import io.tollgate.core.rules.RuleSet;
import io.tollgate.core.rules.RuleSetParser;
import io.tollgate.core.rules.RuleSetSource;
import io.tollgate.core.rules.RulesFileException;
import io.tollgate.core.store.InMemoryBucketStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Rules given as {@code tollgate.rules.*} are checked by the same core draft as the rules file: the same bad rule
 * fails start-up with the same message, naming the property, and {@code limits} works as in the file.
 */
class PropertiesRulesTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(TollgateAutoConfigs.ALL);

    private static TollgateConfigurationException configFailure(AssertableApplicationContext ctx) {
        assertThat(ctx).hasFailed();
        for (Throwable t = ctx.getStartupFailure(); t != null; t = t.getCause()) {
            if (t instanceof TollgateConfigurationException e) {
                return e;
            }
        }
        throw new AssertionError("no TollgateConfigurationException in " + ctx.getStartupFailure());
    }

    private static RulesFileException fileFailure(String json) {
        RulesFileException e = catchThrowableOfType(RulesFileException.class,
                () -> RuleSetParser.parse(json, "rate_limits.json"));
        assertThat(e).as("the rules file is rejected too").isNotNull();
        return e;
    }

    /** The same rule, once as properties of rule {@code name} (without the prefix) and once as a rules file. */
    static Stream<Arguments> sameBadRule() {
        return Stream.of(
                row("cost above capacity", "api", List.of("capacity=20", "refill-rate=5", "cost=21"),
                        "{\"api\": {\"capacity\": 20, \"refill_rate\": 5, \"cost\": 21}}",
                        "cost", "21", "cost", "exceeds the smallest capacity of this rule (20)"),
                row("cost above the smallest of two limits", "api",
                        List.of("limits[0].capacity=100", "limits[0].refill-rate=1", "limits[1].capacity=5",
                                "limits[1].refill-rate=1", "cost=6"),
                        "{\"api\": {\"limits\": [{\"capacity\": 100, \"refill_rate\": 1},"
                                + " {\"capacity\": 5, \"refill_rate\": 1}], \"cost\": 6}}",
                        "cost", "6", "cost", "smallest capacity of this rule (5)"),
                row("method not an HTTP token", "api",
                        List.of("capacity=20", "refill-rate=5", "methods[0]=GET", "methods[1]=GE T"),
                        "{\"api\": {\"capacity\": 20, \"refill_rate\": 5, \"match\": {\"methods\": [\"GET\", \"GE T\"]}}}",
                        "methods[1]", "GE T", "match.methods[1]", "expected an HTTP method name"),
                row("method with a slash", "api", List.of("capacity=20", "refill-rate=5", "methods=GET/"),
                        "{\"api\": {\"capacity\": 20, \"refill_rate\": 5, \"match\": {\"methods\": [\"GET/\"]}}}",
                        "methods[0]", "GET/", "match.methods[0]", "but got \"GET/\""),
                row("duplicate key part", "api", List.of("capacity=20", "refill-rate=5", "key=ip,ip"),
                        "{\"api\": {\"capacity\": 20, \"refill_rate\": 5, \"key\": [\"ip\", \"ip\"]}}",
                        "key[1]", "ip", "key[1]", "\"ip\" appears more than once in the key"),
                row("duplicate header key part", "api",
                        List.of("capacity=20", "refill-rate=5", "key=header:X-Key,ip,header:x-key"),
                        "{\"api\": {\"capacity\": 20, \"refill_rate\": 5,"
                                + " \"key\": [\"header:X-Key\", \"ip\", \"header:x-key\"]}}",
                        "key[2]", "header:x-key", "key[2]", "appears more than once"),
                row("bad key part", "api", List.of("capacity=20", "refill-rate=5", "key=cookie:x"),
                        "{\"api\": {\"capacity\": 20, \"refill_rate\": 5, \"key\": [\"cookie:x\"]}}",
                        "key[0]", "cookie:x", "key[0]", "\"cookie:x\""),
                row("negative capacity", "api", List.of("capacity=-5", "refill-rate=1"),
                        "{\"api\": {\"capacity\": -5, \"refill_rate\": 1}}",
                        "capacity", "-5", "capacity", "expected a whole number greater than 0 but got -5"),
                row("missing refill rate", "api", List.of("capacity=5"), "{\"api\": {\"capacity\": 5}}",
                        "refill-rate", "", "refill_rate", "missing"),
                row("rate too precise for a day", "api",
                        List.of("capacity=20", "refill-rate=0.123456789", "period=day"),
                        "{\"api\": {\"capacity\": 20, \"refill_rate\": 0.123456789, \"period\": \"day\"}}",
                        "refill-rate", "0.123456789", "refill_rate", "too large to compute exactly"),
                row("capacity in the second limit", "api",
                        List.of("limits[0].capacity=5", "limits[0].refill-rate=1", "limits[1].capacity=0",
                                "limits[1].refill-rate=1"),
                        "{\"api\": {\"limits\": [{\"capacity\": 5, \"refill_rate\": 1},"
                                + " {\"capacity\": 0, \"refill_rate\": 1}]}}",
                        "limits[1].capacity", "0", "limits[1].capacity", "greater than 0 but got 0"),
                row("shorthand and limits", "api",
                        List.of("capacity=5", "refill-rate=1", "limits[0].capacity=5", "limits[0].refill-rate=1"),
                        "{\"api\": {\"capacity\": 5, \"refill_rate\": 1,"
                                + " \"limits\": [{\"capacity\": 5, \"refill_rate\": 1}]}}",
                        "limits", "", "limits", "not both"),
                row("period alone with limits", "api",
                        List.of("period=minute", "limits[0].capacity=5", "limits[0].refill-rate=1"),
                        "{\"api\": {\"period\": \"minute\", \"limits\": [{\"capacity\": 5, \"refill_rate\": 1}]}}",
                        "limits", "", "limits", "not both"),
                row("paths on the default rule", "default",
                        List.of("capacity=5", "refill-rate=1", "paths=/api/**"),
                        "{\"default\": {\"capacity\": 5, \"refill_rate\": 1, \"match\": {\"paths\": [\"/api/**\"]}}}",
                        "paths", "/api/**", "match.paths", "cannot have paths or methods"),
                row("methods on the default rule", "default",
                        List.of("capacity=5", "refill-rate=1", "methods=GET"),
                        "{\"default\": {\"capacity\": 5, \"refill_rate\": 1, \"match\": {\"methods\": [\"GET\"]}}}",
                        "methods", "GET", "match.methods", "cannot have paths or methods"),
                row("bad path pattern", "api", List.of("capacity=5", "refill-rate=1", "paths=/ok,api/**"),
                        "{\"api\": {\"capacity\": 5, \"refill_rate\": 1, \"match\": {\"paths\": [\"/ok\", \"api/**\"]}}}",
                        "paths[1]", "api/**", "match.paths[1]", "must start with \"/\""),
                row("dotted rule name", "v1.users", List.of("capacity=5", "refill-rate=1", "cost=6"),
                        "{\"v1.users\": {\"capacity\": 5, \"refill_rate\": 1, \"cost\": 6}}",
                        "cost", "6", "cost", "exceeds the smallest capacity"),
                row("unknown count keyword", "login", List.of("capacity=10", "refill-rate=1", "count=sometimes"),
                        "{\"login\": {\"capacity\": 10, \"refill_rate\": 1, \"count\": \"sometimes\"}}",
                        "count", "sometimes", "count",
                        "expected \"failures\" or a \"status\" list such as [401, 403] but got \"sometimes\""),
                row("status code out of range", "login", List.of("capacity=10", "refill-rate=1", "count.status=401,600"),
                        "{\"login\": {\"capacity\": 10, \"refill_rate\": 1, \"count\": {\"status\": [401, 600]}}}",
                        "count.status[1]", "600", "count.status[1]",
                        "expected an HTTP status code from 100 to 599 but got 600"),
                row("status code below 100", "login", List.of("capacity=10", "refill-rate=1", "count.status=42"),
                        "{\"login\": {\"capacity\": 10, \"refill_rate\": 1, \"count\": {\"status\": [42]}}}",
                        "count.status[0]", "42", "count.status[0]", "but got 42"),
                row("count with lease", "login", List.of("capacity=10", "refill-rate=1", "count=failures", "lease=true"),
                        "{\"login\": {\"capacity\": 10, \"refill_rate\": 1, \"count\": \"failures\", \"lease\": true}}",
                        "lease", "true", "lease", "cannot lease them"),
                row("path key without its variable", "api", List.of("capacity=5", "refill-rate=1", "paths=/api/**",
                                "key=path:tenant"),
                        "{\"api\": {\"capacity\": 5, \"refill_rate\": 1, \"match\": {\"paths\": [\"/api/**\"]},"
                                + " \"key\": [\"path:tenant\"]}}",
                        "key[0]", "path:tenant", "key[0]",
                        "path variable \"tenant\" is not in the rule's path pattern \"/api/**\""),
                row("bad query parameter name", "api", List.of("capacity=5", "refill-rate=1", "key=query:a b"),
                        "{\"api\": {\"capacity\": 5, \"refill_rate\": 1, \"key\": [\"query:a b\"]}}",
                        "key[0]", "query:a b", "key[0]", "without spaces"));
    }

    private static Arguments row(String name, String rule, List<String> props, String json, String property,
                                 String value, String jsonField, String fragment) {
        return Arguments.of(name, rule, props, json, property, value, jsonField, fragment);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sameBadRule")
    void sameBadRuleSameMessageFromBothSources(String name, String rule, List<String> props, String json,
                                               String property, String value, String jsonField, String fragment) {
        String key = rule.contains(".") ? "tollgate.rules[" + rule + "]" : "tollgate.rules." + rule;
        List<String> values = new ArrayList<>();
        props.forEach(p -> values.add(key + "." + p));

        RulesFileException file = fileFailure(json);
        assertThat(file.rule()).isEqualTo(rule);
        assertThat(file.field()).isEqualTo(jsonField);
        assertThat(file.problem()).contains(fragment);

        runner.withPropertyValues(values.toArray(String[]::new)).run(ctx -> {
            TollgateConfigurationException e = configFailure(ctx);
            assertThat(e.property()).isEqualTo(key + "." + property);
            assertThat(e.value()).isEqualTo(value);
            assertThat(e.problem()).as("same text as the rules file").isEqualTo(file.problem());
            FailureAnalysis analysis = new TollgateConfigurationFailureAnalyzer().analyze(ctx.getStartupFailure());
            assertThat(analysis.getDescription()).contains("Property: " + key + "." + property, file.problem());
        });
    }

    @Test
    void twoLimitsOnAPropertiesRuleAreBothEnforced() {
        runner.withPropertyValues(
                "tollgate.rules.api.limits[0].capacity=10", "tollgate.rules.api.limits[0].refill-rate=1",
                "tollgate.rules.api.limits[0].period=hour",
                "tollgate.rules.api.limits[1].capacity=3", "tollgate.rules.api.limits[1].refill-rate=0.5",
                "tollgate.rules.api.limits[1].period=day",
                "tollgate.rules.api.cost=1").run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx.getBean(RateLimiter.class).chain().store()).isInstanceOf(InMemoryBucketStore.class);
            Rule api = ctx.getBean(RuleSetSource.class).current().rule("api").orElseThrow();
            assertThat(api.spec().spec()).isEqualTo("10@1/hour+3@0.5/day");
            assertThat(api.matches("GET", "/api/x")).isTrue();
            RateLimiter limiter = ctx.getBean(RateLimiter.class);
            List<Outcome> outcomes = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                outcomes.add(limiter.check(api, "ip:192.0.2.1").toCompletableFuture().get(5, TimeUnit.SECONDS)
                        .outcome());
            }
            // the second, smaller limit denies the fourth request although the first has 7 tokens left
            assertThat(outcomes).containsExactly(Outcome.ALLOWED, Outcome.ALLOWED, Outcome.ALLOWED, Outcome.DENIED,
                    Outcome.DENIED);
            // another client has its own bucket
            assertThat(limiter.check(api, "ip:192.0.2.2").toCompletableFuture().get(5, TimeUnit.SECONDS).outcome())
                    .isEqualTo(Outcome.ALLOWED);
        });
    }

    @Test
    void limitsGiveTheSameRuleAsTheRulesFile() {
        Rule fromFile = RuleSetParser.parse("""
                {"api": {"limits": [{"capacity": 10, "refill_rate": 1, "period": "minute"},
                                    {"capacity": 100, "refill_rate": 100, "period": "day"}],
                         "match": {"paths": ["/api/**"], "methods": ["post"]},
                         "key": ["header:X-API-Key", "ip"], "cost": 2, "mode": "shadow",
                         "failure_policy": "local", "lease": true}}
                """, "rate_limits.json").rule("api").orElseThrow();
        runner.withPropertyValues(
                "tollgate.rules.api.limits[0].capacity=10", "tollgate.rules.api.limits[0].refill-rate=1",
                "tollgate.rules.api.limits[0].period=minute",
                "tollgate.rules.api.limits[1].capacity=100", "tollgate.rules.api.limits[1].refill-rate=100",
                "tollgate.rules.api.limits[1].period=day",
                "tollgate.rules.api.paths=/api/**", "tollgate.rules.api.methods=post",
                "tollgate.rules.api.key=header:X-API-Key,ip", "tollgate.rules.api.cost=2",
                "tollgate.rules.api.mode=shadow", "tollgate.rules.api.failure-policy=local",
                "tollgate.rules.api.lease=true").run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx.getBean(RuleSetSource.class).current().rule("api")).contains(fromFile);
        });
    }

    @Test
    void shorthandStillGivesOneLimitWithPeriodDefaultingToSecond() {
        runner.withPropertyValues("tollgate.rules.api.capacity=20", "tollgate.rules.api.refill-rate=5").run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx.getBean(RuleSetSource.class).current().rule("api").orElseThrow().spec().spec())
                    .isEqualTo("20@5/second");
        });
    }

    @Test
    void invalidRuleNameNamesTheRulesMap() {
        runner.withPropertyValues("tollgate.rules[my rule].capacity=5", "tollgate.rules[my rule].refill-rate=1")
                .run(ctx -> {
                    TollgateConfigurationException e = configFailure(ctx);
                    assertThat(e.property()).isEqualTo("tollgate.rules");
                    assertThat(e.value()).isEqualTo("my rule");
                    assertThat(e.problem()).isEqualTo(fileFailure(
                            "{\"my rule\": {\"capacity\": 5, \"refill_rate\": 1}}").problem());
                });
    }

    @Test
    void countAndTheNewKeysGiveTheSameRulesAsTheRulesFile() {
        RuleSet fromFile = RuleSetParser.parse("""
                {"login": {"capacity": 10, "refill_rate": 1, "period": "hour", "match": {"paths": ["/login"]},
                           "count": {"status": [401, 403]}},
                 "signup": {"capacity": 5, "refill_rate": 1, "count": "failures", "key": ["principal", "ip"]},
                 "tenants": {"capacity": 5, "refill_rate": 1, "match": {"paths": ["/t/{tenant}/**"]},
                             "key": ["path:tenant", "query:api_key"]}}
                """, "rate_limits.json");
        runner.withPropertyValues(
                "tollgate.rules.login.capacity=10", "tollgate.rules.login.refill-rate=1",
                "tollgate.rules.login.period=hour", "tollgate.rules.login.paths=/login",
                "tollgate.rules.login.count.status=401,403",
                "tollgate.rules.signup.capacity=5", "tollgate.rules.signup.refill-rate=1",
                "tollgate.rules.signup.count=failures", "tollgate.rules.signup.key=principal,ip",
                "tollgate.rules.tenants.capacity=5", "tollgate.rules.tenants.refill-rate=1",
                "tollgate.rules.tenants.paths=/t/{tenant}/**",
                "tollgate.rules.tenants.key=path:tenant,query:api_key").run(ctx -> {
            assertThat(ctx).hasNotFailed();
            RuleSet fromProperties = ctx.getBean(RuleSetSource.class).current();
            for (String name : List.of("login", "signup", "tenants")) {
                assertThat(fromProperties.rule(name)).as(name).isEqualTo(fromFile.rule(name));
            }
            assertThat(fromProperties.rule("login").orElseThrow().countedResponses().statuses())
                    .containsExactly(401, 403);
        });
    }

    @Test
    void anEmptyStatusListIsRejectedNotIgnored() {
        runner.withPropertyValues("tollgate.rules.login.capacity=10", "tollgate.rules.login.refill-rate=1",
                "tollgate.rules.login.count.status=").run(ctx -> {
            TollgateConfigurationException e = configFailure(ctx);
            assertThat(e.property()).isEqualTo("tollgate.rules.login.count.status");
            assertThat(e.problem()).isEqualTo("expected at least one HTTP status code but the list is empty");
        });
    }
}
