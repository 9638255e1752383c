package io.tollgate.core.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every bad file is rejected with a RulesFileException naming the file, rule, field and the bad or expected value. */
class RulesFileValidationTest {

    private static final String FILE = "rate_limits.json";

    /** A rule {@code a} with the shorthand fields plus {@code extra} (JSON members, may be empty). */
    private static String ruleA(String extra) {
        return "{\"a\": {\"capacity\": 20, \"refill_rate\": 5" + (extra.isEmpty() ? "" : ", " + extra) + "}}";
    }

    static Stream<Arguments> badFiles() {
        return Stream.of(
                // name, json, rule, field, fragment of the expected or bad value
                row("invalid JSON", "{\n  \"a\": {\"capacity\": 20\n  \"refill_rate\": 5}}", null, null, "line 3, column 3"),
                row("unterminated", "{\"a\": {\"capacity\": 20", null, null, "invalid JSON at line 1"),
                row("trailing garbage", "{} xyz", null, null, "unexpected content after the end"),
                row("trailing second object", "{}\n{}", null, null, "line 2, column 1"),
                row("empty file", "", null, null, "empty"),
                row("blank file", " \n\t ", null, null, "empty"),
                row("top-level array", "[{\"capacity\": 1}]", null, null, "but got an array"),
                row("top-level null", "null", null, null, "but got null"),
                row("top-level number", "42", null, null, "but got 42"),
                row("rule not an object", "{\"a\": 5}", "a", null, "but got 5"),
                row("unknown field", ruleA("\"burst\": 5"), "a", "burst", "allowed fields are capacity, refill_rate"),
                row("unknown field in match", ruleA("\"match\": {\"path\": [\"/a\"]}"), "a", "match.path",
                        "allowed fields are paths, methods"),
                row("unknown field in limits",
                        "{\"a\": {\"limits\": [{\"capacity\": 1, \"refill_rate\": 1, \"rate\": 2}]}}",
                        "a", "limits[0].rate", "allowed fields are capacity, refill_rate, period"),
                row("capacity 0", "{\"a\": {\"capacity\": 0, \"refill_rate\": 5}}", "a", "capacity",
                        "expected a whole number greater than 0 but got 0"),
                row("capacity -5", "{\"a\": {\"capacity\": -5, \"refill_rate\": 5}}", "a", "capacity",
                        "expected a whole number greater than 0 but got -5"),
                row("capacity string", "{\"a\": {\"capacity\": \"20\", \"refill_rate\": 5}}", "a", "capacity",
                        "but got \"20\" (a string)"),
                row("capacity fractional", "{\"a\": {\"capacity\": 20.5, \"refill_rate\": 5}}", "a", "capacity",
                        "but got 20.5"),
                row("capacity 1e30", "{\"a\": {\"capacity\": 1e30, \"refill_rate\": 5}}", "a", "capacity",
                        "1E+30, which is too large"),
                row("capacity beyond long", "{\"a\": {\"capacity\": 99999999999999999999999, \"refill_rate\": 5}}",
                        "a", "capacity", "99999999999999999999999"),
                row("capacity boolean", "{\"a\": {\"capacity\": true, \"refill_rate\": 5}}", "a", "capacity",
                        "but got true"),
                row("capacity null", "{\"a\": {\"capacity\": null, \"refill_rate\": 5}}", "a", "capacity",
                        "but got null"),
                row("refill_rate 0", "{\"a\": {\"capacity\": 20, \"refill_rate\": 0}}", "a", "refill_rate",
                        "greater than 0 (tokens added per period) but got 0"),
                row("refill_rate -1", "{\"a\": {\"capacity\": 20, \"refill_rate\": -1}}", "a", "refill_rate",
                        "but got -1"),
                row("refill_rate string", "{\"a\": {\"capacity\": 20, \"refill_rate\": \"fast\"}}", "a",
                        "refill_rate", "\"fast\""),
                row("missing refill_rate", "{\"a\": {\"capacity\": 20}}", "a", "refill_rate", "missing"),
                row("missing capacity", "{\"a\": {\"refill_rate\": 20}}", "a", "capacity", "missing"),
                row("no limit at all", "{\"a\": {\"cost\": 1}}", "a", "capacity",
                        "needs \"capacity\" and \"refill_rate\", or \"limits\""),
                row("shorthand and limits",
                        ruleA("\"limits\": [{\"capacity\": 1, \"refill_rate\": 1}]"), "a", "limits", "not both"),
                row("period with limits",
                        "{\"a\": {\"period\": \"day\", \"limits\": [{\"capacity\": 1, \"refill_rate\": 1}]}}",
                        "a", "limits", "not both"),
                row("empty limits", "{\"a\": {\"limits\": []}}", "a", "limits", "list is empty"),
                row("limits not an array", "{\"a\": {\"limits\": {\"capacity\": 1, \"refill_rate\": 1}}}", "a",
                        "limits", "but got an object"),
                row("limits entry not an object", "{\"a\": {\"limits\": [5]}}", "a", "limits[0]", "but got 5"),
                row("bad rate in second limit",
                        "{\"a\": {\"limits\": [{\"capacity\": 1, \"refill_rate\": 1}, {\"capacity\": 1, \"refill_rate\": -2}]}}",
                        "a", "limits[1].refill_rate", "but got -2"),
                row("bad period", ruleA("\"period\": \"weekly\""), "a", "period", "but got \"weekly\""),
                row("period not a string", ruleA("\"period\": 60"), "a", "period", "but got 60"),
                row("bad period in limits",
                        "{\"a\": {\"limits\": [{\"capacity\": 1, \"refill_rate\": 1, \"period\": \"fortnight\"}]}}",
                        "a", "limits[0].period", "\"fortnight\""),
                row("duplicate rule names",
                        "{\"a\": {\"capacity\": 1, \"refill_rate\": 1},\n \"a\": {\"capacity\": 2, \"refill_rate\": 2}}",
                        "a", null, "rule name appears more than once at line 2"),
                row("duplicate field", "{\"a\": {\"capacity\": 1, \"capacity\": 2, \"refill_rate\": 1}}", "a",
                        "capacity", "more than once"),
                row("duplicate field in limits",
                        "{\"a\": {\"limits\": [{\"capacity\": 1, \"refill_rate\": 1, \"refill_rate\": 2}]}}",
                        "a", "limits[0].refill_rate", "more than once"),
                row("bad rule name", "{\"my rule\": {\"capacity\": 1, \"refill_rate\": 1}}", "my rule", null,
                        "invalid rule name"),
                row("empty rule name", "{\"\": {\"capacity\": 1, \"refill_rate\": 1}}", "", null, "invalid rule name"),
                row("bad key", ruleA("\"key\": \"cookie:session\""), "a", "key", "\"cookie:session\""),
                row("bad header name", ruleA("\"key\": \"header:X Key\""), "a", "key", "header:X Key"),
                row("key not a string", ruleA("\"key\": 5"), "a", "key", "but got 5"),
                row("empty key array", ruleA("\"key\": []"), "a", "key", "list is empty"),
                row("duplicate key part", ruleA("\"key\": [\"ip\", \"ip\"]"), "a", "key[1]", "\"ip\" appears more than once"),
                row("bad key part in array", ruleA("\"key\": [\"ip\", \"mac\"]"), "a", "key[1]", "\"mac\""),
                row("bad mode", ruleA("\"mode\": \"block\""), "a", "mode", "\"enforce\" or \"shadow\" but got \"block\""),
                row("bad failure_policy", ruleA("\"failure_policy\": \"retry\""), "a", "failure_policy",
                        "but got \"retry\""),
                row("null failure_policy", ruleA("\"failure_policy\": null"), "a", "failure_policy", "but got null"),
                row("lease not a boolean", ruleA("\"lease\": \"yes\""), "a", "lease", "true or false but got \"yes\""),
                row("cost 0", ruleA("\"cost\": 0"), "a", "cost", "at least 1 but got 0"),
                row("cost fractional", ruleA("\"cost\": 1.5"), "a", "cost", "but got 1.5"),
                row("cost above capacity", ruleA("\"cost\": 21"), "a", "cost",
                        "cost 21 exceeds the smallest capacity of this rule (20)"),
                row("cost above smallest of limits",
                        "{\"a\": {\"cost\": 6, \"limits\": [{\"capacity\": 100, \"refill_rate\": 1}, {\"capacity\": 5, \"refill_rate\": 1}]}}",
                        "a", "cost", "smallest capacity of this rule (5)"),
                row("capacity too large to compute exactly",
                        "{\"a\": {\"capacity\": 9007199254740993, \"refill_rate\": 1, \"period\": \"day\"}}",
                        "a", "capacity", "capacity 9007199254740993 with refill_rate 1 per day is too large"),
                row("rate with too many decimals per day",
                        "{\"a\": {\"capacity\": 20, \"refill_rate\": 0.123456789, \"period\": \"day\"}}",
                        "a", "refill_rate", "refill_rate 0.123456789 per day is too large"),
                row("absurdly small rate", "{\"a\": {\"capacity\": 20, \"refill_rate\": 1e-999999999}}",
                        "a", "refill_rate", "1E-999999999"),
                row("absurdly large rate", "{\"a\": {\"capacity\": 20, \"refill_rate\": 1e999999999}}",
                        "a", "capacity", "1E+999999999"),
                row("path without leading slash", ruleA("\"match\": {\"paths\": [\"api/**\"]}"), "a",
                        "match.paths[0]", "must start with \"/\" but got \"api/**\""),
                row("double star inside a segment", ruleA("\"match\": {\"paths\": [\"/ok\", \"/api**\"]}"), "a",
                        "match.paths[1]", "/api**"),
                row("path not a string", ruleA("\"match\": {\"paths\": [7]}"), "a", "match.paths[0]", "but got 7"),
                row("empty match paths", ruleA("\"match\": {\"paths\": []}"), "a", "match.paths", "list is empty"),
                row("empty match", ruleA("\"match\": {}"), "a", "match", "object is empty"),
                row("match not an object", ruleA("\"match\": \"/a\""), "a", "match", "but got \"/a\""),
                row("bad method", ruleA("\"match\": {\"methods\": [\"GE T\"]}"), "a", "match.methods[0]",
                        "but got \"GE T\""),
                row("methods not an array", ruleA("\"match\": {\"methods\": \"GET\"}"), "a", "match.methods",
                        "but got \"GET\""),
                row("match on default",
                        "{\"default\": {\"capacity\": 1, \"refill_rate\": 1, \"match\": {\"methods\": [\"GET\"]}}}",
                        "default", "match.methods", "cannot have paths or methods"),
                row("exempt_paths not an array", "{\"exempt_paths\": {\"path\": \"/health\"}}", null, "exempt_paths",
                        "but got an object"),
                row("exempt_paths bad pattern", "{\"exempt_paths\": [\"/health\", \"metrics\"]}", null,
                        "exempt_paths[1]", "\"metrics\""),
                row("exempt_paths twice", "{\"exempt_paths\": [], \"exempt_paths\": []}", null, "exempt_paths",
                        "more than once"),
                row("count keyword unknown", ruleA("\"count\": \"sometimes\""), "a", "count",
                        "but got \"sometimes\""),
                row("count a number", ruleA("\"count\": 401"), "a", "count", "but got 401"),
                row("count empty object", ruleA("\"count\": {}"), "a", "count", "but the object is empty"),
                row("count unknown field", ruleA("\"count\": {\"statuses\": [401]}"), "a", "count.statuses",
                        "allowed fields are status"),
                row("count status not an array", ruleA("\"count\": {\"status\": 401}"), "a", "count.status",
                        "an array of HTTP status codes"),
                row("count status empty", ruleA("\"count\": {\"status\": []}"), "a", "count.status", "list is empty"),
                row("count status 600", ruleA("\"count\": {\"status\": [401, 600]}"), "a", "count.status[1]",
                        "from 100 to 599 but got 600"),
                row("count status 99", ruleA("\"count\": {\"status\": [99]}"), "a", "count.status[0]", "but got 99"),
                row("count status a string", ruleA("\"count\": {\"status\": [\"4xx\"]}"), "a", "count.status[0]",
                        "\"4xx\" (a string)"),
                row("count status fractional", ruleA("\"count\": {\"status\": [401.5]}"), "a", "count.status[0]",
                        "but got 401.5"),
                row("count status null", ruleA("\"count\": {\"status\": [null]}"), "a", "count.status[0]",
                        "but got null"),
                row("count with lease", ruleA("\"count\": \"failures\", \"lease\": true"), "a", "lease",
                        "cannot lease them"),
                row("path key without its variable", ruleA("\"key\": \"path:id\""), "a", "key",
                        "path variable \"id\" is not in the rule's path pattern \"/a/**\""),
                row("path key on the default rule",
                        "{\"default\": {\"capacity\": 1, \"refill_rate\": 1, \"key\": [\"ip\", \"path:id\"]}}",
                        "default", "key[1]", "the default rule has no path patterns"),
                row("bad path variable in a pattern", ruleA("\"match\": {\"paths\": [\"/u/{id\"]}"), "a",
                        "match.paths[0]", "must be a whole segment"),
                row("bad query name", ruleA("\"key\": \"query:a&b\""), "a", "key", "query:a&b"),
                row("bad path key name", ruleA("\"key\": \"path:a-b\""), "a", "key", "path:a-b"));
    }

    /** The bad inputs of keys and count, with their whole message. */
    static Stream<Arguments> exactMessages() {
        return Stream.of(
                Arguments.of(ruleA("\"count\": \"sometimes\""), FILE + ": rule \"a\", field \"count\": expected"
                        + " \"failures\" or a \"status\" list such as [401, 403] but got \"sometimes\""),
                Arguments.of(ruleA("\"count\": true"), FILE + ": rule \"a\", field \"count\": expected"
                        + " \"failures\" or a \"status\" list such as [401, 403] but got true"),
                Arguments.of(ruleA("\"count\": {\"status\": [401, 600]}"), FILE + ": rule \"a\", field"
                        + " \"count.status[1]\": expected an HTTP status code from 100 to 599 but got 600"),
                Arguments.of(ruleA("\"count\": {\"status\": [99]}"), FILE + ": rule \"a\", field"
                        + " \"count.status[0]\": expected an HTTP status code from 100 to 599 but got 99"),
                Arguments.of(ruleA("\"count\": {\"status\": [\"4xx\"]}"), FILE + ": rule \"a\", field"
                        + " \"count.status[0]\": expected an HTTP status code from 100 to 599 but got \"4xx\" (a string)"),
                Arguments.of(ruleA("\"count\": {\"status\": []}"), FILE + ": rule \"a\", field \"count.status\":"
                        + " expected at least one HTTP status code but the list is empty"),
                Arguments.of(ruleA("\"count\": {}"), FILE + ": rule \"a\", field \"count\": expected \"status\","
                        + " a list of HTTP status codes such as [401, 403], but the object is empty"),
                Arguments.of(ruleA("\"count\": \"failures\", \"lease\": true"), FILE + ": rule \"a\", field"
                        + " \"lease\": a rule with \"count\" takes its tokens after the response, so it cannot lease"
                        + " them; remove \"lease\" or \"count\""),
                Arguments.of("{\"tenant\": {\"capacity\": 5, \"refill_rate\": 1, \"key\": \"path:tenant\","
                        + " \"match\": {\"paths\": [\"/t/{tenant}/**\", \"/admin/**\"]}}}", FILE + ": rule \"tenant\","
                        + " field \"key\": path variable \"tenant\" is not in the rule's path pattern \"/admin/**\";"
                        + " a \"path:\" key needs a {tenant} segment in every path pattern of its rule"),
                Arguments.of(ruleA("\"key\": \"cookie:x\""), FILE + ": rule \"a\", field \"key\": expected"
                        + " \"ip\", \"global\", \"principal\", \"header:<Header-Name>\", \"query:<name>\" or"
                        + " \"path:<variable>\" but got \"cookie:x\""));
    }

    @ParameterizedTest
    @MethodSource("exactMessages")
    void keyAndCountMessages(String json, String message) {
        assertThat(catchThrowable(() -> RuleSetParser.parse(json, FILE))).isExactlyInstanceOf(RulesFileException.class)
                .hasMessage(message);
    }

    private static Arguments row(String name, String json, String rule, String field, String fragment) {
        return Arguments.of(name, json, rule, field, fragment);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFiles")
    @Timeout(5)
    void rejected(String name, String json, String rule, String field, String fragment) {
        Throwable t = catchThrowable(() -> RuleSetParser.parse(json, FILE));

        assertThat(t).as("exception type").isExactlyInstanceOf(RulesFileException.class);
        RulesFileException e = (RulesFileException) t;
        assertThat(e.getMessage()).startsWith(FILE + ": ").contains(fragment);
        assertThat(e.file()).isEqualTo(FILE);
        assertThat(e.rule()).isEqualTo(rule);
        assertThat(e.field()).isEqualTo(field);
        if (rule != null) {
            assertThat(e.getMessage()).contains("rule \"" + rule + "\"");
        }
        if (field != null) {
            assertThat(e.getMessage()).contains("field \"" + field + "\"");
        }
    }
}
