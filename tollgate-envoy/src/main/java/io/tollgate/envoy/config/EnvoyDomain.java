package io.tollgate.envoy.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One loaded domain: the descriptors of one configuration file.
 */
public final class EnvoyDomain {

    private final String name;
    private final String file;
    private final DescriptorNode root;

    EnvoyDomain(String name, String file, DescriptorNode root) {
        this.name = Objects.requireNonNull(name, "name");
        this.file = Objects.requireNonNull(file, "file");
        this.root = Objects.requireNonNull(root, "root");
    }

    public String name() {
        return name;
    }

    /** The file the domain came from, as the loader names it. */
    public String file() {
        return file;
    }

    /**
     * Finds the rule for one request descriptor, as envoyproxy/ratelimit's {@code GetLimit} does. Level by level, an
     * entry {@code (k, v)} selects the child {@code k_v}, else the first wildcard child (in file order) whose pattern
     * matches {@code k_v}, else the key-only child {@code k}; there is no backtracking to a less specific child. The
     * rule is that of the child selected by the last entry; if that child has none, or the walk stops earlier (no
     * child matches, or the entries go deeper than the configured descriptors), there is no rule. A descriptor
     * without rate limit and without children thus whitelists the values it matches.
     *
     * @return the match, or empty when no rule applies
     */
    public Optional<DescriptorMatch> match(List<DescriptorEntry> entries) {
        DescriptorNode node = root;
        RateLimitRule found = null;
        String[] shared = null;
        int last = entries.size() - 1;
        DescriptorNode[] path = new DescriptorNode[entries.size()];
        boolean valueToMetric = false;
        for (int i = 0; i <= last; i++) {
            DescriptorEntry e = entries.get(i);
            String composite = e.key() + "_" + e.value();
            DescriptorNode next = node.children().get(composite);
            DescriptorNode.Wildcard wildcard = null;
            if (next == null) {
                for (DescriptorNode.Wildcard w : node.wildcards()) {
                    if (w.pattern().matches(composite)) {
                        wildcard = w;
                        next = w.node();
                        break;
                    }
                }
            }
            if (next == null) {
                next = node.children().get(e.key());
            }
            if (next == null) {
                break;
            }
            if (wildcard != null && next.shareThreshold()) {
                // Go strips "key_" from the pattern and writes the rest in place of the value, at this entry's index
                if (shared == null) {
                    shared = new String[entries.size()];
                }
                String pattern = next.compositeKey();
                String prefix = e.key() + "_";
                shared[i] = pattern.startsWith(prefix) ? pattern.substring(prefix.length()) : pattern;
            }
            path[i] = next;
            valueToMetric |= next.valueToMetric();
            if (i == last && next.rule() != null) {
                found = next.rule();
            }
            if (next.children().isEmpty()) {
                break;
            }
            node = next;
        }
        if (found == null) {
            return Optional.empty();
        }
        String stats = found.detailedMetric() || valueToMetric
                ? statsKey(entries, path, found.detailedMetric()) : found.statsKey();
        return Optional.of(new DescriptorMatch(name, entries, found, BucketKey.of(name, entries, shared), stats));
    }

    /**
     * The stats name with request values: at every level when {@code detailed}, else where the level has
     * {@code value_to_metric}. A level with its own value in the file keeps it; a shared wildcard shows its pattern up
     * to the {@code *}, as the values share one bucket.
     */
    private String statsKey(List<DescriptorEntry> entries, DescriptorNode[] path, boolean detailed) {
        StringBuilder sb = new StringBuilder(name);
        for (int i = 0; i < path.length; i++) {
            DescriptorNode n = path[i];
            DescriptorEntry e = entries.get(i);
            sb.append('.');
            String composite = n.compositeKey();
            boolean pattern = WildcardPattern.isPattern(composite);
            if (!(detailed || n.valueToMetric()) || (!pattern && !composite.equals(e.key()))) {
                sb.append(composite);
            } else if (pattern && n.shareThreshold()) {
                sb.append(composite, 0, composite.indexOf('*'));
            } else {
                sb.append(e.key()).append('_').append(e.value());
            }
        }
        return sb.toString();
    }

    DescriptorNode root() {
        return root;
    }
}
