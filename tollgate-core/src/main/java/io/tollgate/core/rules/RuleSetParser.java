package io.tollgate.core.rules;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a {@code rate_limits.json} file into a {@link RuleSet}.
 *
 * <p>The top level is an object of rule name to rule, in matching order, plus the reserved key
 * {@value #EXEMPT_PATHS}. A rule has either the single-limit shorthand {@code capacity}, {@code refill_rate},
 * {@code period}, or a {@code limits} array of such objects, and optionally {@code match}, {@code key}, {@code cost},
 * {@code mode}, {@code failure_policy}, {@code lease} and {@code count} ({@code "failures"} or
 * {@code {"status": [401, 403]}}). Anything else is rejected, as are duplicate rule names and fields.
 *
 * <p>This class owns only the JSON: syntax, duplicate members (with their line and column), unknown fields, and value
 * types ({@code capacity}, {@code cost} and status codes must be whole numbers, where {@code 20.0} and {@code 1e3} count;
 * {@code refill_rate} is read as an exact decimal; an explicit {@code null} is never a default). It maps each rule
 * onto a {@link RuleDraft} and the file onto a {@link RuleSetDraft}, which check what a rule means (ranges, paths,
 * methods, key parts, cost against capacity, the {@code default} rule's reach); see there.
 *
 * <p>Every problem is reported as a {@link RulesFileException} whose message names the file, the rule, the field (as a
 * JSON path such as {@code limits[1].capacity}), what was expected and what was found. Nothing else is thrown for bad
 * input.
 */
public final class RuleSetParser {

    /** Reserved top-level key: an array of path patterns that are never limited. */
    public static final String EXEMPT_PATHS = "exempt_paths";

    static final List<String> RULE_FIELDS =
            List.of("capacity", "refill_rate", "period", "limits", "match", "key", "cost", "mode", "failure_policy",
                    "lease", "count");
    static final List<String> LIMIT_FIELDS = List.of("capacity", "refill_rate", "period");
    static final List<String> MATCH_FIELDS = List.of("paths", "methods");
    static final List<String> COUNT_FIELDS = List.of("status");

    private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);
    private static final BigDecimal LONG_MIN = BigDecimal.valueOf(Long.MIN_VALUE);
    private static final int MAX_VALUE_TEXT = 60;

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            // exact decimals: 0.1 must stay 0.1, not the nearest double
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(JsonNodeFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            // trailing content is checked by hand to give a plain message
            .disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private RuleSetParser() {
    }

    /**
     * Reads and parses a rules file (UTF-8). Messages name the file by {@code file.toString()}.
     *
     * @throws RulesFileException if the file is missing, unreadable or invalid
     */
    public static RuleSet parse(Path file) {
        Objects.requireNonNull(file, "file");
        String name = file.toString();
        String json;
        try {
            json = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new RulesFileException(name, null, null, "file not found", e);
        } catch (CharacterCodingException e) {
            throw new RulesFileException(name, null, null, "file is not valid UTF-8", e);
        } catch (IOException | SecurityException e) {
            throw new RulesFileException(name, null, null, "file cannot be read: " + e, e);
        }
        return parse(json, name);
    }

    /**
     * Parses rules file content.
     *
     * @param json     the file content
     * @param fileName the name used in error messages
     * @throws RulesFileException if the content is not a valid rules file
     */
    public static RuleSet parse(String json, String fileName) {
        Objects.requireNonNull(json, "json");
        String text = json.startsWith("\uFEFF") ? json.substring(1) : json;
        if (text.isBlank()) {
            throw new RulesFileException(fileName, null, null,
                    "file is empty; expected a JSON object of rules such as {\"default\": {\"capacity\": 20, \"refill_rate\": 5}}");
        }
        JsonNode root = readTree(text, fileName);
        if (!root.isObject()) {
            throw new RulesFileException(fileName, null, null,
                    "expected a JSON object of rule name to rule at the top level but got " + describe(root));
        }
        RuleSetDraft rules = new RuleSetDraft();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (EXEMPT_PATHS.equals(e.getKey())) {
                rules.exemptPaths(patterns(e.getValue(), new Ctx(fileName, null), EXEMPT_PATHS));
            } else {
                rules.add(rule(e.getKey(), e.getValue(), fileName));
            }
        }
        return rules.validate().orElseThrow(p -> render(p, fileName));
    }

    private static JsonNode readTree(String text, String file) {
        try (JsonParser p = MAPPER.createParser(text)) {
            JsonNode root;
            try {
                root = MAPPER.readTree(p);
            } catch (StreamReadException e) {
                throw duplicateOrSyntax(e, p, file);
            }
            if (root == null || root.isMissingNode()) {
                throw new RulesFileException(file, null, null, "file contains no JSON value");
            }
            TokenStreamLocation end = p.currentLocation();
            try {
                if (p.nextToken() != null) {
                    throw trailing(file, p.currentTokenLocation());
                }
            } catch (StreamReadException e) {
                throw trailing(file, e.getLocation() != null ? e.getLocation() : end);
            }
            return root;
        } catch (JacksonException e) {
            throw new RulesFileException(file, null, null, "invalid JSON" + at(e.getLocation()) + ": "
                    + e.getOriginalMessage(), e);
        }
    }

    private static RulesFileException trailing(String file, TokenStreamLocation loc) {
        return new RulesFileException(file, null, null,
                "invalid JSON" + at(loc) + ": unexpected content after the end of the top-level object");
    }

    private static RuntimeException duplicateOrSyntax(StreamReadException e, JsonParser p, String file) {
        String msg = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        if (msg.startsWith("Duplicate")) {
            List<String> path = contextPath(p.streamReadContext());
            if (!path.isEmpty()) {
                String dup = path.get(path.size() - 1);
                if (path.size() == 1) {
                    if (EXEMPT_PATHS.equals(dup)) {
                        return new RulesFileException(file, null, EXEMPT_PATHS,
                                "appears more than once" + at(e.getLocation()), e);
                    }
                    return new RulesFileException(file, display(dup), null,
                            "rule name appears more than once" + at(e.getLocation())
                                    + "; rule names must be unique", e);
                }
                return new RulesFileException(file, display(path.get(0)), RuleProblem.join(path.subList(1, path.size())),
                        "field appears more than once" + at(e.getLocation()), e);
            }
        }
        return new RulesFileException(file, null, null, "invalid JSON" + at(e.getLocation()) + ": " + msg, e);
    }

    /** Names and indexes from the root down to the current context's current name. */
    private static List<String> contextPath(TokenStreamContext ctx) {
        List<String> path = new ArrayList<>();
        for (TokenStreamContext c = ctx; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inObject()) {
                path.add(0, c.currentName() == null ? "?" : c.currentName());
            } else if (c.inArray()) {
                path.add(0, "[" + Math.max(0, c.getCurrentIndex()) + "]");
            }
        }
        return path;
    }

    private static String at(TokenStreamLocation loc) {
        if (loc == null || loc.getLineNr() < 1) {
            return "";
        }
        return " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }

    // ---- rules: JSON shape here, rule invariants in RuleDraft -------------------------------------------------

    private record Ctx(String file, String rule) {
        RulesFileException error(String field, String problem) {
            return new RulesFileException(file, rule, field, problem);
        }

        RulesFileException expected(String field, String expected, JsonNode got) {
            return error(field, "expected " + expected + " but got " + describe(got));
        }
    }

    /** Renders a draft problem: the file, the rule and the field as a JSON path. */
    private static RulesFileException render(RuleProblem p, String file) {
        return new RulesFileException(file, p.rule() == null ? null : display(p.rule()), p.field(), p.message());
    }

    private static RuleDraft rule(String name, JsonNode node, String file) {
        Ctx ctx = new Ctx(file, display(name));
        if (!node.isObject()) {
            throw ctx.error(null, "expected an object with \"capacity\" and \"refill_rate\""
                    + " (or \"limits\") but got " + describe(node));
        }
        rejectUnknown(node, RULE_FIELDS, ctx, "");
        RuleDraft d = RuleDraft.named(name);
        JsonNode limits = node.get("limits");
        if (limits != null) {
            d.limits(limits(limits, ctx));
        }
        if (node.has("capacity") || node.has("refill_rate") || node.has("period")) {
            d.limit(limit(node, ctx, ""));
        }
        JsonNode match = node.get("match");
        if (match != null) {
            if (!match.isObject()) {
                throw ctx.expected("match", "an object with \"paths\" and/or \"methods\"", match);
            }
            rejectUnknown(match, MATCH_FIELDS, ctx, "match.");
            if (match.isEmpty()) {
                throw ctx.error("match", "expected \"paths\" and/or \"methods\" but the object is empty");
            }
            JsonNode p = match.get("paths");
            if (p != null) {
                d.paths(patterns(p, ctx, "match.paths"));
            }
            JsonNode m = match.get("methods");
            if (m != null) {
                d.methods(strings(m, ctx, "match.methods", "an array of HTTP method names such as [\"GET\", \"POST\"]",
                        RuleDraft.METHOD_EXPECTED));
            }
        }
        JsonNode key = node.get("key");
        if (key != null) {
            if (key.isString()) {
                d.key(key.stringValue());
            } else {
                d.key(strings(key, ctx, "key", "one of " + KeySource.FORMS + ", or an array of these",
                        KeySource.FORMS));
            }
        }
        JsonNode cost = node.get("cost");
        if (cost != null) {
            d.cost(wholeNumber(cost, ctx, "cost", RuleDraft.COST_EXPECTED));
        }
        JsonNode mode = node.get("mode");
        if (mode != null) {
            d.mode(string(mode, ctx, "mode", RuleDraft.MODE_EXPECTED));
        }
        JsonNode fp = node.get("failure_policy");
        if (fp != null) {
            d.failurePolicy(string(fp, ctx, "failure_policy",
                    "one of \"fail-open\", \"fail-open-unbounded\", \"fail-closed\", \"local\""));
        }
        JsonNode lease = node.get("lease");
        if (lease != null) {
            if (!lease.isBoolean()) {
                throw ctx.expected("lease", "true or false", lease);
            }
            d.lease(lease.booleanValue());
        }
        JsonNode count = node.get("count");
        if (count != null) {
            count(count, ctx, d);
        }
        return d;
    }

    /** {@code "count": "failures"} or {@code "count": {"status": [401, 403]}}; the draft checks the values. */
    private static void count(JsonNode count, Ctx ctx, RuleDraft d) {
        if (count.isString()) {
            d.count(count.stringValue());
            return;
        }
        if (!count.isObject()) {
            throw ctx.expected("count", RuleDraft.COUNT_EXPECTED, count);
        }
        rejectUnknown(count, COUNT_FIELDS, ctx, "count.");
        JsonNode status = count.get("status");
        if (status == null) {
            throw ctx.error("count", "expected \"status\", a list of HTTP status codes such as [401, 403],"
                    + " but the object is empty");
        }
        if (!status.isArray()) {
            throw ctx.expected("count.status", "an array of HTTP status codes such as [401, 403]", status);
        }
        List<Long> codes = new ArrayList<>();
        for (int i = 0; i < status.size(); i++) {
            codes.add(wholeNumber(status.get(i), ctx, "count.status[" + i + "]", RuleDraft.STATUS_EXPECTED));
        }
        d.countStatuses(codes);
    }

    private static List<LimitDraft> limits(JsonNode limits, Ctx ctx) {
        if (!limits.isArray()) {
            throw ctx.expected("limits", "an array of objects with \"capacity\" and \"refill_rate\"", limits);
        }
        List<LimitDraft> list = new ArrayList<>();
        for (int i = 0; i < limits.size(); i++) {
            String prefix = "limits[" + i + "]";
            JsonNode l = limits.get(i);
            if (!l.isObject()) {
                throw ctx.expected(prefix, "an object with \"capacity\" and \"refill_rate\"", l);
            }
            rejectUnknown(l, LIMIT_FIELDS, ctx, prefix + ".");
            list.add(limit(l, ctx, prefix + "."));
        }
        return list;
    }

    private static LimitDraft limit(JsonNode node, Ctx ctx, String prefix) {
        JsonNode cap = node.get("capacity");
        Long capacity = cap == null ? null : wholeNumber(cap, ctx, prefix + "capacity", RuleDraft.CAPACITY_EXPECTED);
        JsonNode rate = node.get("refill_rate");
        if (rate != null && !rate.isNumber()) {
            throw ctx.expected(prefix + "refill_rate", RuleDraft.RATE_EXPECTED, rate);
        }
        JsonNode p = node.get("period");
        String period = p == null ? null
                : string(p, ctx, prefix + "period", "one of \"second\", \"minute\", \"hour\", \"day\"");
        return new LimitDraft(capacity, rate == null ? null : rate.decimalValue(), period);
    }

    /** A JSON integer (or a whole-valued decimal such as {@code 20.0}) that fits a long; its range is the draft's. */
    private static long wholeNumber(JsonNode n, Ctx ctx, String field, String expected) {
        if (!n.isNumber()) {
            throw ctx.expected(field, expected, n);
        }
        BigDecimal v = n.decimalValue();
        if (v.signum() != 0 && v.stripTrailingZeros().scale() > 0) {
            throw ctx.expected(field, expected, n);
        }
        if (v.compareTo(LONG_MAX) > 0) {
            throw ctx.error(field, "expected " + expected + " but got " + describe(n) + ", which is too large");
        }
        if (v.compareTo(LONG_MIN) < 0) {
            throw ctx.expected(field, expected, n);
        }
        return v.longValueExact();
    }

    private static String string(JsonNode n, Ctx ctx, String field, String expected) {
        if (!n.isString()) {
            throw ctx.expected(field, expected, n);
        }
        return n.stringValue();
    }

    /** A JSON array of strings; the draft checks what the strings say. */
    private static List<String> strings(JsonNode n, Ctx ctx, String field, String expected, String itemExpected) {
        if (!n.isArray()) {
            throw ctx.expected(field, expected, n);
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            out.add(string(n.get(i), ctx, field + "[" + i + "]", itemExpected));
        }
        return out;
    }

    private static List<String> patterns(JsonNode n, Ctx ctx, String field) {
        return strings(n, ctx, field, "an array of path patterns such as [\"/health\", \"/static/**\"]",
                "a path pattern starting with \"/\"");
    }

    private static void rejectUnknown(JsonNode node, List<String> allowed, Ctx ctx, String prefix) {
        for (String f : node.propertyNames()) {
            if (!allowed.contains(f)) {
                throw ctx.error(prefix + display(f), "unknown field; allowed fields are " + String.join(", ", allowed));
            }
        }
    }

    /** A JSON value as it would appear in the file, shortened, with its type when that helps. */
    static String describe(JsonNode n) {
        if (n == null || n.isMissingNode()) {
            return "nothing";
        }
        if (n.isObject()) {
            return "an object";
        }
        if (n.isArray()) {
            return "an array";
        }
        if (n.isNumber()) {
            // toString keeps 1e30 short where toPlainString would spell out every digit
            return shorten(n.isBigDecimal() ? n.decimalValue().toString() : n.toString());
        }
        if (n.isString()) {
            return shorten(n.toString()) + " (a string)";
        }
        return shorten(n.toString());
    }

    /** A name from the file made safe to quote in a message. */
    private static String display(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(c -> {
            if (c == '"' || c == '\\') {
                sb.append('\\').appendCodePoint(c);
            } else if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\u%04x", c));
            } else {
                sb.appendCodePoint(c);
            }
        });
        return shorten(sb.toString());
    }

    private static String shorten(String s) {
        return s.length() <= MAX_VALUE_TEXT ? s : s.substring(0, MAX_VALUE_TEXT) + "...";
    }
}
