package io.tollgate.envoy.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every loaded domain, immutable: what a reload swaps as a whole.
 *
 * <p>{@link #match} answers for one request descriptor; {@link #matchRequest} for all descriptors of one request, which
 * is where {@code replaces} acts. An unknown domain is no error: nothing matches in it.
 */
public final class EnvoyConfig {

    /** No domain at all (an empty configuration directory). */
    public static final EnvoyConfig EMPTY = new EnvoyConfig(Map.of());

    private final Map<String, EnvoyDomain> domains;

    private EnvoyConfig(Map<String, EnvoyDomain> domains) {
        this.domains = domains;
    }

    /**
     * Joins parsed files into one configuration.
     *
     * @throws EnvoyConfigException listing every domain that a later file defines again, in the words of
     *                              envoyproxy/ratelimit ({@code duplicate domain 'd' in config file})
     */
    public static EnvoyConfig of(List<EnvoyDomain> domains) {
        Map<String, EnvoyDomain> byName = new LinkedHashMap<>();
        List<EnvoyConfigProblem> problems = new ArrayList<>();
        for (EnvoyDomain d : domains) {
            EnvoyDomain before = byName.putIfAbsent(d.name(), d);
            if (before != null) {
                problems.add(new EnvoyConfigProblem(d.file(), null, null, "domain", 0,
                        "duplicate domain '" + d.name() + "' in config file (also in " + before.file() + ")"));
            }
        }
        if (!problems.isEmpty()) {
            throw new EnvoyConfigException(problems, null);
        }
        return new EnvoyConfig(Collections.unmodifiableMap(byName));
    }

    /** Parses one file's content into a one-domain configuration; see {@link EnvoyConfigParser}. */
    public static EnvoyConfig parse(String file, String yaml) {
        return of(List.of(EnvoyConfigParser.parse(file, yaml)));
    }

    /** The domain names, in load order. */
    public Set<String> domainNames() {
        return domains.keySet();
    }

    public Optional<EnvoyDomain> domain(String name) {
        return Optional.ofNullable(domains.get(name));
    }

    public boolean hasDomain(String name) {
        return domains.containsKey(name);
    }

    public boolean isEmpty() {
        return domains.isEmpty();
    }

    /**
     * The rule for one request descriptor in {@code domain} (see {@link EnvoyDomain#match}); empty for an unknown
     * domain. Does not apply {@code replaces}, which needs the whole request.
     */
    public Optional<DescriptorMatch> match(String domain, List<DescriptorEntry> entries) {
        EnvoyDomain d = domains.get(domain);
        return d == null ? Optional.empty() : d.match(entries);
    }

    /**
     * A match for a request descriptor that carries its own limit ({@link RateLimitRule#override}): the bucket is keyed
     * by the descriptor's values like a file rule's, and kept apart from a file rule's bucket of the same values by
     * the store, since the limits differ. Its stats name carries the request's values, as envoyproxy/ratelimit's.
     */
    public static DescriptorMatch overrideMatch(String domain, List<DescriptorEntry> entries, RateLimitRule rule) {
        StringBuilder stats = new StringBuilder(domain);
        for (DescriptorEntry e : entries) {
            stats.append('.').append(e.key()).append('_').append(e.value());
        }
        return new DescriptorMatch(domain, entries, rule, BucketKey.of(domain, entries, null), stats.toString());
    }

    /**
     * The rules for every descriptor of one request, in request order, with {@code replaces} applied as
     * envoyproxy/ratelimit does: the names in the {@code replaces} of every matched rule (unlimited ones included)
     * are collected, then each matched rule that is not unlimited and whose {@code name} is among them is dropped. A
     * dropped descriptor answers as if no rule matched and is not counted.
     */
    public List<Optional<DescriptorMatch>> matchRequest(String domain, List<List<DescriptorEntry>> descriptors) {
        List<Optional<DescriptorMatch>> matches = new ArrayList<>(descriptors.size());
        Set<String> replaced = new HashSet<>();
        for (List<DescriptorEntry> entries : descriptors) {
            Optional<DescriptorMatch> m = match(domain, entries);
            m.ifPresent(x -> replaced.addAll(x.rule().replaces()));
            matches.add(m);
        }
        if (!replaced.isEmpty()) {
            for (int i = 0; i < matches.size(); i++) {
                RateLimitRule rule = matches.get(i).map(DescriptorMatch::rule).orElse(null);
                if (rule != null && rule.kind() != RateLimitRule.Kind.UNLIMITED && !rule.name().isEmpty()
                        && replaced.contains(rule.name())) {
                    matches.set(i, Optional.empty());
                }
            }
        }
        return Collections.unmodifiableList(matches);
    }
}
