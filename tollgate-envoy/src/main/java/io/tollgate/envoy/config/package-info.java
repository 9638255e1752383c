/**
 * The envoyproxy/ratelimit configuration format, loaded unchanged and matched as that server matches, on Tollgate's
 * token buckets.
 *
 * <p>Entry points: {@link io.tollgate.envoy.config.RuntimeLocation} (the {@code RUNTIME_*} variables) gives a
 * {@link io.tollgate.envoy.config.ConfigDirectory}; {@link io.tollgate.envoy.config.EnvoyConfigWatcher} keeps its
 * {@link io.tollgate.envoy.config.EnvoyConfig} current; {@link io.tollgate.envoy.config.EnvoyConfig#matchRequest}
 * turns a request's descriptors into {@link io.tollgate.envoy.config.DescriptorMatch}es, each with its
 * {@link io.tollgate.envoy.config.RateLimitRule} and bucket key. Problems are
 * {@link io.tollgate.envoy.config.EnvoyConfigException}s.
 *
 * <h2>Semantics</h2>
 * {@code requests_per_unit} per {@code unit} is a bucket of capacity {@code requests_per_unit}, refilled continuously
 * by {@code requests_per_unit} per unit (week, month, year: 7, 30, 365 days). {@code requests_per_unit: 0} blocks
 * every request without a bucket; {@code unlimited: true} never counts.
 *
 * <h2>The Tollgate extension</h2>
 * A {@code tollgate} mapping inside {@code rate_limit} shapes the bucket:
 * <pre>{@code
 * rate_limit:
 *   unit: second
 *   requests_per_unit: 10
 *   tollgate:
 *     burst: 50                       # capacity of the limit above, instead of 10
 *     limits:                         # more limits enforced by the same bucket, all together
 *       - {unit: hour, requests_per_unit: 1000}
 *       - {unit: day, requests_per_unit: 5000, burst: 6000}
 * }</pre>
 * Every value is a whole number of at least 1; the extension needs a limited rule (not {@code unlimited}, not
 * {@code requests_per_unit: 0}). envoyproxy/ratelimit rejects a file that uses it ({@code config error, unknown key
 * 'tollgate'}); a file without it loads in both.
 */
package io.tollgate.envoy.config;
