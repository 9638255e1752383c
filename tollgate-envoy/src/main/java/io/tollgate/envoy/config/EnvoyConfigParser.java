package io.tollgate.envoy.config;

import io.tollgate.core.rules.RuleProblem;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JsonToken;

/**
 * Reads one envoyproxy/ratelimit configuration file (one domain) into an {@link EnvoyDomain}.
 *
 * <p>Accepts what envoyproxy/ratelimit accepts and rejects what it rejects, with its wording where it has one: empty
 * domain ({@code config file cannot have empty domain}), empty key ({@code descriptor has empty key}), a key (+value)
 * twice at one level ({@code duplicate descriptor composite key 'domain.key_value'}), a bad unit ({@code invalid rate
 * limit unit 'foo'}), a unit with {@code unlimited} ({@code should not specify rate limit unit when unlimited}), an
 * empty or self-naming {@code replaces} entry, {@code share_threshold} without {@code *}, an unknown key
 * ({@code config error, unknown key 'ratelimit'}), a list of anything but mappings, a decimal number outside
 * {@code metadata} ({@code error checking config}), a value of the wrong type, and bad YAML. Like Go it checks key
 * names against one list for every depth, so a known key in the wrong place ({@code unit} beside {@code key}) is
 * accepted and has no effect; Tollgate logs a warning for it.
 *
 * <p>Scalars are read as yaml.v2 (YAML 1.1) reads them where it matters: a boolean may be written {@code yes}/{@code
 * no}/{@code on}/{@code off} in any of its cases, a whole number in hex ({@code 0x}), octal ({@code 0o} or a leading
 * {@code 0}), binary ({@code 0b}) or with {@code _} separators; a string field takes any scalar as written. Where
 * Jackson cannot tell a quoted scalar from a plain one, Tollgate accepts a little more than Go ({@code "10"} for
 * {@code requests_per_unit}).
 *
 * <p>Every problem is an {@link EnvoyConfigException} naming the file, the descriptor (path and key chain), the field and
 * the line; the first problem in a file stops its reading, as in Go.
 */
public final class EnvoyConfigParser {

    private static final Logger log = LoggerFactory.getLogger(EnvoyConfigParser.class);

    /** envoyproxy/ratelimit's one allow-list of key names, checked at every depth. */
    static final List<String> GO_KEYS = List.of("domain", "key", "value", "descriptors", "rate_limit", "unit",
            "requests_per_unit", "unlimited", "shadow_mode", "quota_mode", "name", "replaces", "detailed_metric",
            "value_to_metric", "share_threshold", "metadata");
    static final List<String> FILE_FIELDS = List.of("domain", "descriptors");
    static final List<String> DESCRIPTOR_FIELDS = List.of("key", "value", "rate_limit", "descriptors", "shadow_mode",
            "quota_mode", "detailed_metric", "value_to_metric", "share_threshold", "metadata");
    static final List<String> RATE_LIMIT_FIELDS = List.of("unit", "requests_per_unit", "unlimited", "name",
            "replaces");
    static final List<String> REPLACES_FIELDS = List.of("name");

    private static final long UINT32_MAX = 4_294_967_295L;
    private static final List<String> TRUE_WORDS = List.of("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE",
            "on", "On", "ON");
    private static final List<String> FALSE_WORDS = List.of("n", "N", "no", "No", "NO", "false", "False", "FALSE",
            "off", "Off", "OFF");

    private EnvoyConfigParser() {
    }

    /**
     * Parses the content of one file.
     *
     * @param file the name used in messages and kept as {@link EnvoyDomain#file()}
     * @param yaml the file's content
     * @throws EnvoyConfigException on the first problem
     */
    public static EnvoyDomain parse(String file, String yaml) {
        String text = yaml.startsWith("\uFEFF") ? yaml.substring(1) : yaml;
        YamlNode root = YamlDocument.read(text, file);
        Where top = new Where(file, List.of(), null);
        if (root == null || (root instanceof YamlNode.Scalar s && s.isNull())) {
            throw top.problem("domain", 0, "config file cannot have empty domain");
        }
        if (!(root instanceof YamlNode.Mapping m)) {
            throw top.problem(null, root.line(), "error loading config file: expected a mapping with 'domain' and"
                    + " 'descriptors' but got " + describe(root));
        }
        checkKeys(m, FILE_FIELDS, false, top, "");
        YamlNode.Member domainMember = m.members().get("domain");
        String domain = string(domainMember, top, "domain");
        if (domain.isEmpty()) {
            throw top.problem("domain", domainMember == null ? m.line() : domainMember.line(),
                    "config file cannot have empty domain");
        }
        LinkedHashMap<String, DescriptorNode> children =
                descriptors(m.members().get("descriptors"), top, domain);
        return new EnvoyDomain(domain, file, new DescriptorNode("", null, false, false, children));
    }

    // ---- descriptors ----------------------------------------------------------------------------------------------

    private static LinkedHashMap<String, DescriptorNode> descriptors(YamlNode.Member member, Where parent,
                                                                     String parentChain) {
        LinkedHashMap<String, DescriptorNode> out = new LinkedHashMap<>();
        List<YamlNode> items = sequence(member, parent, "descriptors");
        for (int i = 0; i < items.size(); i++) {
            YamlNode item = items.get(i);
            if (!(item instanceof YamlNode.Mapping d)) {
                throw parent.problem("descriptors[" + i + "]", item.line(),
                        "config error, yaml file contains list of type other than map: " + describe(item));
            }
            Where at = parent.child(i);
            checkKeys(d, DESCRIPTOR_FIELDS, false, at, "");
            YamlNode.Member keyMember = d.members().get("key");
            String key = string(keyMember, at, "key");
            if (key.isEmpty()) {
                throw at.problem("key", keyMember == null ? d.line() : keyMember.line(), "descriptor has empty key");
            }
            String value = string(d.members().get("value"), at, "value");
            String composite = value.isEmpty() ? key : key + "_" + value;
            String chain = parentChain + "." + composite;
            at = at.withChain(chain);
            if (out.containsKey(composite)) {
                throw at.problem(value.isEmpty() ? "key" : "value", (keyMember == null ? d : keyMember.value()).line(),
                        "duplicate descriptor composite key '" + chain + "'");
            }
            boolean shadow = bool(d.members().get("shadow_mode"), at, "shadow_mode");
            boolean quota = bool(d.members().get("quota_mode"), at, "quota_mode");
            boolean detailed = bool(d.members().get("detailed_metric"), at, "detailed_metric");
            boolean valueToMetric = bool(d.members().get("value_to_metric"), at, "value_to_metric"); // stats names only
            YamlNode.Member shareMember = d.members().get("share_threshold");
            boolean share = bool(shareMember, at, "share_threshold");
            Map<String, Object> metadata = metadata(d.members().get("metadata"), at);
            RateLimitRule rule = null;
            YamlNode.Mapping rl = mapping(d.members().get("rate_limit"), at, "rate_limit");
            if (rl != null) {
                rule = RateLimitParser.rule(rl, at, new RateLimitParser.Flags(shadow, quota, detailed, metadata,
                        at.path(), chain));
            }
            if (share && !WildcardPattern.isPattern(composite)) {
                throw at.problem("share_threshold", shareMember.line(), "share_threshold can only be used with"
                        + " wildcard values (containing '*'), but found key '" + composite + "'");
            }
            out.put(composite, new DescriptorNode(composite, rule, share, valueToMetric,
                    descriptors(d.members().get("descriptors"), at, chain)));
        }
        return out;
    }

    private static Map<String, Object> metadata(YamlNode.Member member, Where at) {
        if (member == null || member.value() instanceof YamlNode.Scalar s && s.isNull()) {
            return Map.of();
        }
        if (!(member.value() instanceof YamlNode.Mapping)) {
            throw at.problem("metadata", member.line(), "expected a mapping but got " + describe(member.value()));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) plain(member.value());
        return m;
    }

    /** A YAML value as plain Java values, unmodifiable; metadata is returned as it was written. */
    private static Object plain(YamlNode node) {
        if (node instanceof YamlNode.Mapping m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.members().forEach((k, v) -> out.put(k, plain(v.value())));
            return Collections.unmodifiableMap(out);
        }
        if (node instanceof YamlNode.Sequence s) {
            List<Object> out = new ArrayList<>();
            s.items().forEach(i -> out.add(plain(i)));
            return Collections.unmodifiableList(out);
        }
        YamlNode.Scalar s = (YamlNode.Scalar) node;
        return switch (s.token()) {
            case VALUE_NULL -> null;
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NUMBER_INT -> new BigInteger(s.text());
            case VALUE_NUMBER_FLOAT -> floatOrText(s.text());
            default -> s.text();
        };
    }

    private static Object floatOrText(String text) {
        try {
            return Double.valueOf(text);
        } catch (NumberFormatException e) {
            return text; // .inf and .nan, as written
        }
    }

    // ---- key names ------------------------------------------------------------------------------------------------

    /**
     * Checks the keys of {@code m} as Go does (one allow-list everywhere), and warns about allowed keys that have no
     * meaning at this place. {@code tollgate} passes only where the extension may stand.
     */
    static void checkKeys(YamlNode.Mapping m, List<String> meaningful, boolean extensionAllowed, Where at,
                          String prefix) {
        for (YamlNode.Member member : m.members().values()) {
            String name = member.name();
            if (extensionAllowed && name.equals(RateLimitParser.EXTENSION)) {
                continue;
            }
            if (!GO_KEYS.contains(name)) {
                throw at.problem(prefix + name, member.line(), "config error, unknown key '" + name
                        + "'; expected one of " + String.join(", ", meaningful)
                        + (extensionAllowed ? " or the Tollgate extension '" + RateLimitParser.EXTENSION + "'" : ""));
            }
            if (!meaningful.contains(name)) {
                log.warn("{}: key '{}' has no effect here; envoyproxy/ratelimit accepts and ignores it too",
                        at.problem(prefix + name, member.line(), "ignored").getMessage(), name);
                checkAnyDepth(member.value(), at, prefix + name);
            }
        }
    }

    /** Go's key check below a key that has no meaning where it stands: names, list items, no decimals. */
    private static void checkAnyDepth(YamlNode node, Where at, String field) {
        if (node instanceof YamlNode.Mapping m) {
            for (YamlNode.Member member : m.members().values()) {
                if (!GO_KEYS.contains(member.name())) {
                    throw at.problem(field + "." + member.name(), member.line(),
                            "config error, unknown key '" + member.name() + "'");
                }
                if (!member.name().equals("metadata")) {
                    checkAnyDepth(member.value(), at, field + "." + member.name());
                }
            }
        } else if (node instanceof YamlNode.Sequence s) {
            for (int i = 0; i < s.items().size(); i++) {
                YamlNode item = s.items().get(i);
                if (!(item instanceof YamlNode.Mapping)) {
                    throw at.problem(field + "[" + i + "]", item.line(),
                            "config error, yaml file contains list of type other than map: " + describe(item));
                }
                checkAnyDepth(item, at, field + "[" + i + "]");
            }
        } else if (node instanceof YamlNode.Scalar s && s.isFloat()) {
            throw decimal(s, at, field);
        }
    }

    // ---- typed values ---------------------------------------------------------------------------------------------

    /** A string field: any scalar as written, "" when absent or null. */
    static String string(YamlNode.Member member, Where at, String field) {
        if (member == null) {
            return "";
        }
        if (!(member.value() instanceof YamlNode.Scalar s)) {
            throw wrongType(member, at, field, "a string");
        }
        if (s.isFloat()) {
            throw decimal(s, at, field);
        }
        return s.text();
    }

    /** A boolean field, false when absent or null. */
    static boolean bool(YamlNode.Member member, Where at, String field) {
        if (member == null) {
            return false;
        }
        if (member.value() instanceof YamlNode.Scalar s) {
            if (s.isNull() || s.token() == JsonToken.VALUE_FALSE || FALSE_WORDS.contains(s.text())) {
                return false;
            }
            if (s.token() == JsonToken.VALUE_TRUE || TRUE_WORDS.contains(s.text())) {
                return true;
            }
            if (s.isFloat()) {
                throw decimal(s, at, field);
            }
        }
        throw wrongType(member, at, field, "true or false");
    }

    /** A {@code uint32} field, 0 when absent or null. */
    static long uint32(YamlNode.Member member, Where at, String field) {
        if (member == null) {
            return 0;
        }
        if (member.value() instanceof YamlNode.Scalar s) {
            if (s.isNull()) {
                return 0;
            }
            if (s.isFloat()) {
                throw decimal(s, at, field);
            }
            BigInteger n = s.token() == JsonToken.VALUE_NUMBER_INT ? new BigInteger(s.text()) : goInteger(s.text());
            if (n != null && n.signum() >= 0 && n.compareTo(BigInteger.valueOf(UINT32_MAX)) <= 0) {
                return n.longValueExact();
            }
        }
        throw wrongType(member, at, field, "a whole number from 0 to " + UINT32_MAX);
    }

    /** A mapping field, {@code null} when absent or null. */
    static YamlNode.Mapping mapping(YamlNode.Member member, Where at, String field) {
        if (member == null || isNull(member.value())) {
            return null;
        }
        if (member.value() instanceof YamlNode.Mapping m) {
            return m;
        }
        throw at.problem(field, member.line(), "expected a mapping but got " + describe(member.value()));
    }

    /** A list field, empty when absent or null. */
    static List<YamlNode> sequence(YamlNode.Member member, Where at, String field) {
        if (member == null || isNull(member.value())) {
            return List.of();
        }
        if (member.value() instanceof YamlNode.Sequence s) {
            return s.items();
        }
        throw at.problem(field, member.line(), "expected a list but got " + describe(member.value()));
    }

    /** Null as yaml.v2 reads it where no string is expected: also {@code ~}, which Jackson's YAML 1.2 reads as text. */
    private static boolean isNull(YamlNode node) {
        return node instanceof YamlNode.Scalar s && (s.isNull() || s.text().equals("~"));
    }

    /**
     * A whole number as Go's {@code strconv.ParseInt(s, 0, 64)} reads it after yaml.v2 drops {@code _}: optional
     * sign, then {@code 0x} hex, {@code 0o} or leading-{@code 0} octal, {@code 0b} binary, or decimal; {@code null}
     * if it is none of these.
     */
    static BigInteger goInteger(String text) {
        String t = text.replace("_", "");
        boolean negative = t.startsWith("-");
        if (negative || t.startsWith("+")) {
            t = t.substring(1);
        }
        int radix = 10;
        String lower = t.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("0x")) {
            radix = 16;
            t = t.substring(2);
        } else if (lower.startsWith("0o")) {
            radix = 8;
            t = t.substring(2);
        } else if (lower.startsWith("0b")) {
            radix = 2;
            t = t.substring(2);
        } else if (t.length() > 1 && t.startsWith("0")) {
            radix = 8;
            t = t.substring(1);
        }
        if (t.isEmpty() || t.startsWith("-") || t.startsWith("+")) {
            return null;
        }
        try {
            BigInteger n = new BigInteger(t, radix);
            return negative ? n.negate() : n;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * A value of the wrong type. Go checks every key name before it decodes any value, so a mapping or list in the
     * wrong place is first searched for unknown keys, to report what Go would report first.
     */
    private static EnvoyConfigException wrongType(YamlNode.Member member, Where at, String field, String expected) {
        checkAnyDepth(member.value(), at, field);
        return at.problem(field, member.line(), "expected " + expected + " but got " + describe(member.value()));
    }

    private static EnvoyConfigException decimal(YamlNode.Scalar s, Where at, String field) {
        return at.problem(field, s.line(), "error checking config: a decimal number (" + s.text()
                + ") is not accepted here; quote it if it is text");
    }

    static String describe(YamlNode node) {
        if (node instanceof YamlNode.Mapping) {
            return "a mapping";
        }
        if (node instanceof YamlNode.Sequence) {
            return "a list";
        }
        YamlNode.Scalar s = (YamlNode.Scalar) node;
        if (s.isNull()) {
            return "nothing (null)";
        }
        String text = s.text().length() > 60 ? s.text().substring(0, 60) + "..." : s.text();
        return "'" + text + "'";
    }

    // ---- where a problem is ---------------------------------------------------------------------------------------

    /** A descriptor's place in its file: the path segments ({@code descriptors}, {@code [1]}, ...) and key chain. */
    record Where(String file, List<String> segments, String keyChain) {

        Where child(int index) {
            List<String> s = new ArrayList<>(segments);
            s.add("descriptors");
            s.add("[" + index + "]");
            return new Where(file, List.copyOf(s), null);
        }

        Where withChain(String chain) {
            return new Where(file, segments, chain);
        }

        /** {@code descriptors[1].descriptors[0]}, or {@code null} at the top of the file. */
        String path() {
            return segments.isEmpty() ? null : RuleProblem.join(segments);
        }

        EnvoyConfigException problem(String field, int line, String message) {
            return new EnvoyConfigException(new EnvoyConfigProblem(file, path(), keyChain, field, line, message));
        }
    }
}
