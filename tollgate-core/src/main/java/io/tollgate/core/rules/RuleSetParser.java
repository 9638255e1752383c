package io.tollgate.core.rules;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
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
 * {@code mode}, {@code failure_policy} and {@code lease}. Anything else is rejected, as are duplicate rule names and fields.
 *
 * <p>A rule other than {@code default} applies to {@code /<name>} and below unless {@code match.paths} says
 * otherwise; {@code match.methods} alone narrows the methods but keeps that path. {@code default} cannot have a
 * {@code match}. {@code capacity} and {@code cost} must be whole numbers ({@code 20.0} and {@code 1e3} count);
 * {@code refill_rate} is read as an exact decimal. Enumerated strings ({@code period}, {@code mode},
 * {@code failure_policy}, {@code key}) are case-insensitive; an explicit {@code null} is never a default.
 *
 * <p>Every problem is reported as a {@link RulesFileException} whose message names the file, the rule, the field, what
 * was expected and what was found. Nothing else is thrown for bad input.
 */
public final class RuleSetParser {

    /** Reserved top-level key: an array of path patterns that are never limited. */
    public static final String EXEMPT_PATHS = "exempt_paths";

    static final List<String> RULE_FIELDS =
            List.of("capacity", "refill_rate", "period", "limits", "match", "key", "cost", "mode", "failure_policy",
                    "lease");
    static final List<String> LIMIT_FIELDS = List.of("capacity", "refill_rate", "period");
    static final List<String> MATCH_FIELDS = List.of("paths", "methods");

    private static final String CAPACITY_EXPECTED = "a whole number greater than 0";
    private static final String RATE_EXPECTED = "a number greater than 0 (tokens added per period)";
    private static final String COST_EXPECTED = "a whole number of at least 1";
    private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);
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
        List<Rule> rules = new ArrayList<>();
        List<PathPattern> exempt = List.of();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (EXEMPT_PATHS.equals(e.getKey())) {
                exempt = patterns(e.getValue(), new Ctx(fileName, null), EXEMPT_PATHS);
            } else {
                rules.add(rule(e.getKey(), e.getValue(), fileName));
            }
        }
        return RuleSet.of(rules, exempt);
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
                return new RulesFileException(file, display(path.get(0)), fieldPath(path.subList(1, path.size())),
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

    private static String fieldPath(List<String> parts) {
        StringBuilder sb = new StringBuilder();
        for (String s : parts) {
            if (!s.startsWith("[") && sb.length() > 0) {
                sb.append('.');
            }
            sb.append(s);
        }
        return sb.toString();
    }

    private static String at(TokenStreamLocation loc) {
        if (loc == null || loc.getLineNr() < 1) {
            return "";
        }
        return " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }

    // ---- rules -------------------------------------------------------------------------------------------------

    private record Ctx(String file, String rule) {
        RulesFileException error(String field, String problem) {
            return new RulesFileException(file, rule, field, problem);
        }

        RulesFileException expected(String field, String expected, JsonNode got) {
            return error(field, "expected " + expected + " but got " + describe(got));
        }
    }

    private static Rule rule(String name, JsonNode node, String file) {
        if (!Rule.NAME_PATTERN.matcher(name).matches()) {
            throw new RulesFileException(file, display(name), null,
                    "invalid rule name; a rule name must be 1 to 64 characters of A-Z, a-z, 0-9, '_', '.', '-'");
        }
        Ctx ctx = new Ctx(file, name);
        if (!node.isObject()) {
            throw new RulesFileException(file, name, null, "expected an object with \"capacity\" and \"refill_rate\""
                    + " (or \"limits\") but got " + describe(node));
        }
        rejectUnknown(node, RULE_FIELDS, ctx, "");

        boolean isDefault = Rule.DEFAULT_NAME.equals(name);
        Rule.Builder b = Rule.builder(name);
        BucketSpec spec = spec(node, ctx);
        b.spec(spec);

        JsonNode match = node.get("match");
        if (match != null && isDefault) {
            throw ctx.error("match", "the default rule applies to every request that no other rule matches,"
                    + " so it cannot have a \"match\"; add a separate rule instead");
        }
        List<PathPattern> paths = isDefault ? List.of() : List.of(PathPattern.forRuleName(name));
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
                paths = patterns(p, ctx, "match.paths");
                if (paths.isEmpty()) {
                    throw ctx.error("match.paths", "expected at least one path pattern but the array is empty");
                }
            }
            JsonNode m = match.get("methods");
            if (m != null) {
                b.methods(methods(m, ctx));
            }
        }
        b.paths(paths);

        JsonNode key = node.get("key");
        if (key != null) {
            b.keySource(keySource(key, ctx));
        }
        JsonNode cost = node.get("cost");
        if (cost != null) {
            long c = wholeNumber(cost, ctx, "cost", 1, COST_EXPECTED);
            if (spec.exceedsCapacity(c)) {
                throw ctx.error("cost", "cost " + c + " exceeds the smallest capacity of this rule ("
                        + spec.minCapacity() + "), so no request could ever be allowed");
            }
            b.cost(c);
        }
        JsonNode mode = node.get("mode");
        if (mode != null) {
            b.mode(mode(mode, ctx));
        }
        JsonNode fp = node.get("failure_policy");
        if (fp != null) {
            String s = string(fp, ctx, "failure_policy",
                    "one of \"fail-open\", \"fail-open-unbounded\", \"fail-closed\", \"local\"");
            try {
                b.failurePolicy(FailurePolicy.parse(s));
            } catch (IllegalArgumentException e) {
                throw ctx.error("failure_policy", e.getMessage());
            }
        }
        JsonNode lease = node.get("lease");
        if (lease != null) {
            if (!lease.isBoolean()) {
                throw ctx.expected("lease", "true or false", lease);
            }
            b.lease(lease.booleanValue());
        }
        return b.build();
    }

    private static BucketSpec spec(JsonNode node, Ctx ctx) {
        JsonNode limits = node.get("limits");
        boolean shorthand = node.has("capacity") || node.has("refill_rate") || node.has("period");
        if (limits != null) {
            if (shorthand) {
                throw ctx.error("limits", "use either \"capacity\"/\"refill_rate\"/\"period\" or \"limits\", not both");
            }
            if (!limits.isArray()) {
                throw ctx.expected("limits", "an array of objects with \"capacity\" and \"refill_rate\"", limits);
            }
            if (limits.isEmpty()) {
                throw ctx.error("limits", "expected at least one limit but the array is empty");
            }
            List<Limit> list = new ArrayList<>();
            for (int i = 0; i < limits.size(); i++) {
                String prefix = "limits[" + i + "]";
                JsonNode l = limits.get(i);
                if (!l.isObject()) {
                    throw ctx.expected(prefix, "an object with \"capacity\" and \"refill_rate\"", l);
                }
                rejectUnknown(l, LIMIT_FIELDS, ctx, prefix + ".");
                list.add(limit(l, ctx, prefix + "."));
            }
            return BucketSpec.of(list);
        }
        if (!shorthand) {
            throw ctx.error("capacity", "missing; a rule needs \"capacity\" and \"refill_rate\", or \"limits\"");
        }
        return BucketSpec.of(limit(node, ctx, ""));
    }

    private static Limit limit(JsonNode node, Ctx ctx, String prefix) {
        JsonNode cap = node.get("capacity");
        if (cap == null) {
            throw ctx.error(prefix + "capacity", "missing; expected " + CAPACITY_EXPECTED);
        }
        long capacity = wholeNumber(cap, ctx, prefix + "capacity", 1, CAPACITY_EXPECTED);
        JsonNode rateNode = node.get("refill_rate");
        if (rateNode == null) {
            throw ctx.error(prefix + "refill_rate", "missing; expected " + RATE_EXPECTED);
        }
        if (!rateNode.isNumber() || rateNode.decimalValue().signum() <= 0) {
            throw ctx.expected(prefix + "refill_rate", RATE_EXPECTED, rateNode);
        }
        BigDecimal rate = rateNode.decimalValue();
        RefillPeriod period = RefillPeriod.SECOND;
        JsonNode p = node.get("period");
        if (p != null) {
            String s = string(p, ctx, prefix + "period", "one of \"second\", \"minute\", \"hour\", \"day\"");
            try {
                period = RefillPeriod.parse(s);
            } catch (IllegalArgumentException e) {
                throw ctx.error(prefix + "period", e.getMessage());
            }
        }
        try {
            return Limit.of(capacity, rate, period);
        } catch (IllegalArgumentException | ArithmeticException e) {
            // a fractional rate is what usually needs the precision, so point at it
            String field = rate.stripTrailingZeros().scale() > 0 ? "refill_rate" : "capacity";
            throw ctx.error(prefix + field, e.getMessage());
        }
    }

    private static long wholeNumber(JsonNode n, Ctx ctx, String field, long min, String expected) {
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
        if (v.compareTo(BigDecimal.valueOf(min)) < 0) {
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

    private static RuleMode mode(JsonNode n, Ctx ctx) {
        String expected = "\"enforce\" or \"shadow\"";
        String s = string(n, ctx, "mode", expected);
        for (RuleMode m : RuleMode.values()) {
            if (m.name().equalsIgnoreCase(s)) {
                return m;
            }
        }
        throw ctx.expected("mode", expected, n);
    }

    private static Set<String> methods(JsonNode n, Ctx ctx) {
        String expected = "an array of HTTP method names such as [\"GET\", \"POST\"]";
        if (!n.isArray()) {
            throw ctx.expected("match.methods", expected, n);
        }
        if (n.isEmpty()) {
            throw ctx.error("match.methods", "expected at least one HTTP method but the array is empty;"
                    + " leave \"methods\" out to match every method");
        }
        Set<String> methods = new LinkedHashSet<>();
        for (int i = 0; i < n.size(); i++) {
            JsonNode m = n.get(i);
            String field = "match.methods[" + i + "]";
            String s = string(m, ctx, field, "an HTTP method name such as \"GET\"");
            if (s.isEmpty() || !s.chars().allMatch(RuleSetParser::isTokenChar)) {
                throw ctx.expected(field, "an HTTP method name such as \"GET\"", m);
            }
            methods.add(s.toUpperCase(Locale.ROOT));
        }
        return methods;
    }

    private static KeySource keySource(JsonNode n, Ctx ctx) {
        String expected = "\"ip\", \"global\", \"header:<Header-Name>\" or an array of these";
        if (n.isString()) {
            return KeySource.of(List.of(part(n, ctx, "key")));
        }
        if (!n.isArray()) {
            throw ctx.expected("key", expected, n);
        }
        if (n.isEmpty()) {
            throw ctx.error("key", "expected at least one key part but the array is empty");
        }
        List<KeySource.Part> parts = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            String field = "key[" + i + "]";
            KeySource.Part part = part(n.get(i), ctx, field);
            if (parts.stream().anyMatch(p -> p.kind() == part.kind()
                    && (part.header() == null || part.header().equalsIgnoreCase(p.header())))) {
                throw ctx.error(field, "\"" + part + "\" appears more than once in the key");
            }
            parts.add(part);
        }
        return KeySource.of(parts);
    }

    private static KeySource.Part part(JsonNode n, Ctx ctx, String field) {
        String s = string(n, ctx, field, "\"ip\", \"global\" or \"header:<Header-Name>\"");
        try {
            return KeySource.parsePart(s);
        } catch (IllegalArgumentException e) {
            throw ctx.error(field, e.getMessage());
        }
    }

    private static List<PathPattern> patterns(JsonNode n, Ctx ctx, String field) {
        if (!n.isArray()) {
            throw ctx.expected(field, "an array of path patterns such as [\"/health\", \"/static/**\"]", n);
        }
        List<PathPattern> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            JsonNode p = n.get(i);
            String f = field + "[" + i + "]";
            String s = string(p, ctx, f, "a path pattern starting with \"/\"");
            try {
                PathPattern pattern = PathPattern.of(s);
                if (!out.contains(pattern)) {
                    out.add(pattern);
                }
            } catch (IllegalArgumentException e) {
                throw ctx.error(f, e.getMessage());
            }
        }
        return out;
    }

    private static void rejectUnknown(JsonNode node, List<String> allowed, Ctx ctx, String prefix) {
        for (String f : node.propertyNames()) {
            if (!allowed.contains(f)) {
                throw ctx.error(prefix + display(f), "unknown field; allowed fields are " + String.join(", ", allowed));
            }
        }
    }

    private static boolean isTokenChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
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
