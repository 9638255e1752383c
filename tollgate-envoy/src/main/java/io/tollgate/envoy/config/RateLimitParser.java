package io.tollgate.envoy.config;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Limit;
import io.tollgate.envoy.config.EnvoyConfigParser.Where;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads one {@code rate_limit} block, the Tollgate extension included, into a {@link RateLimitRule}.
 *
 * <p>The extension is a {@code tollgate} mapping inside {@code rate_limit} with {@code burst} (the capacity of the
 * file's own limit instead of {@code requests_per_unit}) and/or {@code limits} (more limits that the same bucket
 * enforces together, each {@code unit}, {@code requests_per_unit} of at least 1, optional {@code burst}). It needs a
 * limited rule: not {@code unlimited}, not {@code requests_per_unit: 0}.
 */
final class RateLimitParser {

    /** The extension's key inside {@code rate_limit}; envoyproxy/ratelimit rejects a file that has it. */
    static final String EXTENSION = "tollgate";
    static final List<String> EXTENSION_FIELDS = List.of("burst", "limits");
    static final List<String> EXTRA_LIMIT_FIELDS = List.of("unit", "requests_per_unit", "burst");

    /** What the descriptor around the {@code rate_limit} contributes to the rule. */
    record Flags(boolean shadowMode, boolean quotaMode, boolean detailedMetric, Map<String, Object> metadata,
                 String descriptorPath, String statsKey) {
    }

    private RateLimitParser() {
    }

    static RateLimitRule rule(YamlNode.Mapping rl, Where at, Flags flags) {
        EnvoyConfigParser.checkKeys(rl, EnvoyConfigParser.RATE_LIMIT_FIELDS, true, at, "rate_limit.");
        Map<String, YamlNode.Member> m = rl.members();
        YamlNode.Member unitMember = m.get("unit");
        String unitText = EnvoyConfigParser.string(unitMember, at, "rate_limit.unit");
        Optional<EnvoyUnit> unit = EnvoyUnit.parse(unitText);
        boolean unlimited = EnvoyConfigParser.bool(m.get("unlimited"), at, "rate_limit.unlimited");
        int unitLine = unitMember == null ? rl.line() : unitMember.line();
        if (unlimited && unit.isPresent()) {
            throw at.problem("rate_limit.unit", unitLine, "should not specify rate limit unit when unlimited");
        }
        if (!unlimited && unit.isEmpty()) {
            throw at.problem("rate_limit.unit", unitLine,
                    "invalid rate limit unit '" + unitText + "'; expected " + EnvoyUnit.ACCEPTED);
        }
        YamlNode.Member rpuMember = m.get("requests_per_unit");
        long rpu = EnvoyConfigParser.uint32(rpuMember, at, "rate_limit.requests_per_unit");
        String name = EnvoyConfigParser.string(m.get("name"), at, "rate_limit.name");
        List<String> replaces = replaces(m.get("replaces"), name, at);
        YamlNode.Member extMember = m.get(EXTENSION);
        YamlNode.Mapping ext = EnvoyConfigParser.mapping(extMember, at, "rate_limit." + EXTENSION);

        RateLimitRule.Kind kind = unlimited ? RateLimitRule.Kind.UNLIMITED
                : rpu == 0 ? RateLimitRule.Kind.BLOCKED : RateLimitRule.Kind.LIMITED;
        if (ext != null && kind != RateLimitRule.Kind.LIMITED) {
            throw at.problem("rate_limit." + EXTENSION, extMember.line(), kind == RateLimitRule.Kind.UNLIMITED
                    ? "the Tollgate extension does not apply to an unlimited rate limit"
                    : "requests_per_unit 0 blocks every request; the Tollgate extension needs requests_per_unit of"
                    + " at least 1");
        }
        BucketSpec spec = null;
        if (kind == RateLimitRule.Kind.LIMITED) {
            int rpuLine = rpuMember == null ? rl.line() : rpuMember.line();
            spec = spec(unit.get(), rpu, rpuLine, ext, at);
        }
        return new RateLimitRule(kind, unit.orElse(null), rpu, name, replaces, spec, ext != null,
                flags.shadowMode(), flags.quotaMode(), flags.detailedMetric(), flags.metadata(),
                flags.descriptorPath(), flags.statsKey());
    }

    private static List<String> replaces(YamlNode.Member member, String ownName, Where at) {
        List<YamlNode> items = EnvoyConfigParser.sequence(member, at, "rate_limit.replaces");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String field = "rate_limit.replaces[" + i + "]";
            YamlNode item = items.get(i);
            if (!(item instanceof YamlNode.Mapping r)) {
                throw at.problem(field, item.line(), "config error, yaml file contains list of type other than map: "
                        + EnvoyConfigParser.describe(item));
            }
            EnvoyConfigParser.checkKeys(r, EnvoyConfigParser.REPLACES_FIELDS, false, at, field + ".");
            String replaced = EnvoyConfigParser.string(r.members().get("name"), at, field + ".name");
            if (replaced.isEmpty()) {
                throw at.problem(field + ".name", item.line(), "should not have an empty replaces entry");
            }
            if (replaced.equals(ownName)) {
                throw at.problem(field + ".name", item.line(), "replaces should not contain name of same descriptor");
            }
            names.add(replaced);
        }
        return names;
    }

    /** The file's own limit (burst from the extension if given) followed by the extension's limits. */
    private static BucketSpec spec(EnvoyUnit unit, long rpu, int rpuLine, YamlNode.Mapping ext, Where at) {
        List<Limit> limits = new ArrayList<>();
        String field = "rate_limit.requests_per_unit";
        String prefix = "rate_limit." + EXTENSION + ".";
        long capacity = rpu;
        int line = rpuLine;
        List<YamlNode> extra = List.of();
        if (ext != null) {
            checkExtensionKeys(ext, EXTENSION_FIELDS, at, prefix);
            YamlNode.Member burst = ext.members().get("burst");
            YamlNode.Member more = ext.members().get("limits");
            if (burst == null && more == null) {
                throw at.problem("rate_limit." + EXTENSION, ext.line(), "expected 'burst' and/or 'limits'");
            }
            if (burst != null) {
                capacity = positive(burst, at, prefix + "burst");
                field = prefix + "burst";
                line = burst.line();
            }
            if (more != null) {
                extra = EnvoyConfigParser.sequence(more, at, prefix + "limits");
                if (extra.isEmpty()) {
                    throw at.problem(prefix + "limits", more.line(), "expected at least one limit");
                }
            }
        }
        limits.add(limit(capacity, rpu, unit, field, line, at));
        for (int i = 0; i < extra.size(); i++) {
            limits.add(extraLimit(extra.get(i), at, prefix + "limits[" + i + "]"));
        }
        return BucketSpec.of(limits);
    }

    private static Limit extraLimit(YamlNode node, Where at, String field) {
        if (!(node instanceof YamlNode.Mapping l)) {
            throw at.problem(field, node.line(), "expected a mapping with 'unit' and 'requests_per_unit' but got "
                    + EnvoyConfigParser.describe(node));
        }
        checkExtensionKeys(l, EXTRA_LIMIT_FIELDS, at, field + ".");
        YamlNode.Member unitMember = l.members().get("unit");
        String unitText = EnvoyConfigParser.string(unitMember, at, field + ".unit");
        EnvoyUnit unit = EnvoyUnit.parse(unitText).orElseThrow(() -> at.problem(field + ".unit",
                unitMember == null ? l.line() : unitMember.line(),
                "invalid rate limit unit '" + unitText + "'; expected " + EnvoyUnit.ACCEPTED));
        YamlNode.Member rpuMember = l.members().get("requests_per_unit");
        if (rpuMember == null) {
            throw at.problem(field + ".requests_per_unit", l.line(), "required: a whole number of at least 1");
        }
        long rpu = positive(rpuMember, at, field + ".requests_per_unit");
        YamlNode.Member burst = l.members().get("burst");
        if (burst == null) {
            return limit(rpu, rpu, unit, field + ".requests_per_unit", rpuMember.line(), at);
        }
        return limit(positive(burst, at, field + ".burst"), rpu, unit, field + ".burst", burst.line(), at);
    }

    private static long positive(YamlNode.Member member, Where at, String field) {
        long n = EnvoyConfigParser.uint32(member, at, field);
        if (n < 1) {
            throw at.problem(field, member.line(), "expected a whole number of at least 1 but got " + n);
        }
        return n;
    }

    private static Limit limit(long capacity, long rpu, EnvoyUnit unit, String field, int line, Where at) {
        try {
            return Limit.of(capacity, rpu, unit.period());
        } catch (IllegalArgumentException e) {
            throw at.problem(field, line, "cannot be a token bucket: " + e.getMessage());
        }
    }

    /** Inside the extension there is no Go allow-list to honour: only its own fields. */
    private static void checkExtensionKeys(YamlNode.Mapping m, List<String> allowed, Where at, String prefix) {
        for (YamlNode.Member member : m.members().values()) {
            if (!allowed.contains(member.name())) {
                throw at.problem(prefix + member.name(), member.line(), "unknown key '" + member.name()
                        + "' in the Tollgate extension; expected one of " + String.join(", ", allowed));
            }
        }
    }
}
