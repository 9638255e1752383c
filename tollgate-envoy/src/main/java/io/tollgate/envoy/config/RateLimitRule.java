package io.tollgate.envoy.config;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Limit;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code rate_limit} of one configured descriptor, with the descriptor's flags, mapped onto Tollgate's token bucket.
 *
 * <p>{@link #kind()} says what a match means:
 * <ul>
 *   <li>{@link Kind#LIMITED}: a token bucket, {@link #spec()}. Its first limit is the file's own: capacity
 *       {@code requests_per_unit}, refilled continuously by {@code requests_per_unit} per {@code unit}. The Tollgate
 *       extension may give that limit another capacity (burst) and add limits (see the package documentation).</li>
 *   <li>{@link Kind#BLOCKED}: {@code requests_per_unit: 0}. Every hit is over the limit, so no bucket is needed (a
 *       {@link io.tollgate.core.bucket.Limit} cannot have capacity 0) and the store is never asked; the response still
 *       reports the configured limit, {@code 0} per {@code unit}.</li>
 *   <li>{@link Kind#UNLIMITED}: {@code unlimited: true}. Always OK, never counted; envoyproxy/ratelimit answers with
 *       {@code limit_remaining} 4294967295.</li>
 * </ul>
 *
 * @param kind              limited, blocked or unlimited
 * @param unit              the configured unit; {@code null} only for {@link Kind#UNLIMITED}
 * @param requestsPerUnit   the configured {@code requests_per_unit} (0 to 4294967295), what {@code current_limit}
 *                          reports
 * @param name              {@code rate_limit.name}, "" when absent; echoed in {@code current_limit.name}
 * @param replaces          the names this rule replaces, in file order
 * @param spec              the bucket of a {@link Kind#LIMITED} rule, {@code null} otherwise
 * @param extended          whether the Tollgate extension shaped {@link #spec()} (such a file does not load in
 *                          envoyproxy/ratelimit)
 * @param shadowMode        {@code shadow_mode}: evaluate and count, never answer OVER_LIMIT
 * @param quotaMode         {@code quota_mode}: carried for the service, which decides how it joins the overall code
 * @param detailedMetric    {@code detailed_metric}: stats names only
 * @param metadata          {@code metadata} as read (maps, lists, strings, numbers, booleans, nulls), unmodifiable
 * @param descriptorPath    where the descriptor is in its file, such as {@code descriptors[0].descriptors[1]}
 * @param statsKey          the descriptor as envoyproxy/ratelimit names it in stats, such as
 *                          {@code messaging.message_type_marketing.to_number}
 */
public record RateLimitRule(Kind kind, EnvoyUnit unit, long requestsPerUnit, String name, List<String> replaces,
                            BucketSpec spec, boolean extended, boolean shadowMode, boolean quotaMode,
                            boolean detailedMetric, Map<String, Object> metadata, String descriptorPath,
                            String statsKey) {

    /**
     * The rule of a request descriptor that carries its own {@code limit} (Envoy's route-level override): that limit
     * as a token bucket like a file's, never in shadow mode, no name, nothing replaced, as in envoyproxy/ratelimit.
     * Its stats are named by the request's own values ({@code detailedMetric}), as there.
     *
     * @throws IllegalArgumentException when the limit cannot be held exactly as a token bucket
     */
    public static RateLimitRule override(long requestsPerUnit, EnvoyUnit unit) {
        Kind kind = requestsPerUnit == 0 ? Kind.BLOCKED : Kind.LIMITED;
        BucketSpec spec = kind == Kind.LIMITED
                ? BucketSpec.of(Limit.of(requestsPerUnit, requestsPerUnit, unit.period())) : null;
        return new RateLimitRule(kind, unit, requestsPerUnit, "", List.of(), spec, false, false, false, true,
                Map.of(), "limit override", "");
    }

    /** What a match with this rule means. */
    public enum Kind { LIMITED, BLOCKED, UNLIMITED }

    public RateLimitRule {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        replaces = List.copyOf(replaces);
        Objects.requireNonNull(metadata, "metadata");
        if ((kind == Kind.LIMITED) != (spec != null)) {
            throw new IllegalArgumentException("a bucket spec goes with a LIMITED rule and only with it");
        }
        if (kind != Kind.UNLIMITED && unit == null) {
            throw new IllegalArgumentException("a " + kind + " rule needs a unit");
        }
    }
}
