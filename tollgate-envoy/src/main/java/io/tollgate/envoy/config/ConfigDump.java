package io.tollgate.envoy.config;

/**
 * The loaded configuration as text, one line per configured rate limit, for a debug view (envoyproxy/ratelimit serves
 * the same at {@code /rlconfig}): the descriptor's stats path, the limit as written, its flags and the token bucket it
 * became.
 *
 * <pre>
 * messaging.message_type_marketing.to_number: unit=DAY requests_per_unit=5, shadow_mode: false, bucket: 5 per 1d (file messaging.yaml, descriptors[0].descriptors[0])
 * </pre>
 */
public final class ConfigDump {

    private ConfigDump() {
    }

    public static String of(EnvoyConfig config) {
        StringBuilder sb = new StringBuilder();
        for (String name : config.domainNames()) {
            EnvoyDomain d = config.domain(name).orElseThrow();
            append(d.root(), d.file(), sb);
        }
        return sb.toString();
    }

    private static void append(DescriptorNode node, String file, StringBuilder sb) {
        for (DescriptorNode child : node.children().values()) {
            RateLimitRule r = child.rule();
            if (r != null) {
                sb.append(r.statsKey()).append(": ");
                switch (r.kind()) {
                    case UNLIMITED -> sb.append("unlimited");
                    case BLOCKED -> sb.append("unit=").append(r.unit()).append(" requests_per_unit=0 (every hit over)");
                    case LIMITED -> sb.append("unit=").append(r.unit()).append(" requests_per_unit=")
                            .append(r.requestsPerUnit());
                }
                if (!r.name().isEmpty()) {
                    sb.append(", name: ").append(r.name());
                }
                if (!r.replaces().isEmpty()) {
                    sb.append(", replaces: ").append(r.replaces());
                }
                sb.append(", shadow_mode: ").append(r.shadowMode());
                if (r.quotaMode()) {
                    sb.append(", quota_mode: true");
                }
                if (child.shareThreshold()) {
                    sb.append(", share_threshold: true");
                }
                if (r.spec() != null) {
                    sb.append(", bucket: ").append(r.spec().spec());
                }
                sb.append(" (file ").append(file).append(", ").append(r.descriptorPath()).append(")\n");
            }
            append(child, file, sb);
        }
    }
}
