package io.tollgate.envoy.service;

import com.google.protobuf.Duration;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.limiter.FallbackBuckets;
import io.tollgate.core.limiter.ThrottledLog;
import io.tollgate.core.rules.FailurePolicy;
import io.tollgate.core.store.BucketCall;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.StoreException;
import io.tollgate.core.store.StoreOverloadedException;
import io.tollgate.envoy.config.DescriptorEntry;
import io.tollgate.envoy.config.DescriptorMatch;
import io.tollgate.envoy.config.EnvoyConfig;
import io.tollgate.envoy.config.EnvoyUnit;
import io.tollgate.envoy.config.RateLimitRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envoy's {@code ShouldRateLimit}, decided on Tollgate's token buckets: the one home of the service's semantics, used
 * by the gRPC service and by {@code POST /json} alike. Framework-neutral and never blocking.
 *
 * <h2>What a request gets</h2>
 * Each request descriptor is matched against the loaded configuration ({@link EnvoyConfig#matchRequest}, so
 * {@code replaces} applies), or takes its own {@code limit} override when the domain is known. Its hits are its own
 * {@code hits_addend} when set (0 checks without consuming), else the request's, where 0 means 1. Then:
 * <ul>
 *   <li><b>All or nothing.</b> The enforcing descriptors (limited, not in shadow or quota mode, global shadow mode
 *       off) go to the store in one {@link BucketStore#tryConsumeAll} call: either every one takes its hits or none
 *       takes anything. A {@code requests_per_unit: 0} descriptor or a cost above a capacity denies the request
 *       before the store, which is then only read (cost 0), so the statuses still report the buckets.</li>
 *   <li><b>Shadow and quota descriptors</b> are measured, not enforced together: once the enforcing part is
 *       admitted each takes its hits on its own when its bucket holds them; when the request is denied they are only
 *       read. A quota-mode request whose quota descriptors are all over is OVER_LIMIT after the enforcing part was
 *       taken (quota mode is applied after the atomic step).</li>
 *   <li><b>Status per descriptor</b>, in request order: {@code OVER_LIMIT} when its bucket alone could not give its
 *       hits (OK for a {@code shadow_mode} rule); {@code current_limit} the configured limit and name;
 *       {@code limit_remaining} the whole tokens left in the tightest limit, after this request;
 *       {@code duration_until_reset} the time until this descriptor's hits could pass when over, else until its
 *       bucket is full, in whole seconds rounded up. Unlimited: OK with 4294967295 remaining. No match: OK, nothing set.</li>
 *   <li><b>Overall</b>: {@code OVER_LIMIT} when a descriptor outside quota mode is, or every quota descriptor is;
 *       always OK under global shadow mode (the statuses keep their codes, as in envoyproxy/ratelimit).</li>
 *   <li><b>Store failure</b> never becomes an error: the failure policy answers ({@code fail-open} and {@code local}
 *       with this instance's {@link FallbackBuckets}, bucket by bucket; {@code fail-open-unbounded} OK;
 *       {@code fail-closed} OVER_LIMIT), and the response carries {@code x-ratelimit-degraded}. An overloaded store
 *       ({@link StoreOverloadedException}) sheds: OVER_LIMIT with {@code retry-after: 1}.</li>
 * </ul>
 * Invalid requests (empty domain or descriptor list, a bad {@code limit} override) complete exceptionally with
 * {@link InvalidRateLimitRequestException}.
 */
public final class EnvoyLimiter {

    /** What an unlimited descriptor reports as {@code limit_remaining}: uint32's maximum, as envoyproxy/ratelimit. */
    public static final int UNLIMITED_REMAINING = (int) 4294967295L;

    /** Header flagging an answer that a failure policy gave instead of the store. */
    public static final String DEGRADED_HEADER = "x-ratelimit-degraded";

    private static final Logger log = LoggerFactory.getLogger(EnvoyLimiter.class);

    private final BucketStore store;
    private final Supplier<EnvoyConfig> config;
    private final FailurePolicy failurePolicy;
    private final int expectedInstances;
    private final boolean globalShadowMode;
    private final boolean responseHeaders;
    private final double nearLimitRatio;
    private final EnvoyLimiterListener listener;
    private final FallbackBuckets fallbackBuckets;
    private final ThrottledLog fallbackLog;
    private final ConcurrentHashMap<Long, RateLimitRule> overrides = new ConcurrentHashMap<>();

    private EnvoyLimiter(Builder b) {
        this.store = b.store;
        this.config = b.config;
        this.failurePolicy = b.failurePolicy;
        this.expectedInstances = b.expectedInstances;
        this.globalShadowMode = b.globalShadowMode;
        this.responseHeaders = b.responseHeaders;
        this.nearLimitRatio = b.nearLimitRatio;
        this.listener = b.listener;
        this.fallbackBuckets = b.fallbackBuckets;
        this.fallbackLog = new ThrottledLog(b.fallbackLogEvery);
    }

    /**
     * @param store  where buckets live (for the server: the store chain without leases, which do not apply to
     *               several buckets at once); used, never closed
     * @param config the configuration in force, asked once per request (a reload swaps it as a whole)
     */
    public static Builder builder(BucketStore store, Supplier<EnvoyConfig> config) {
        return new Builder(store, config);
    }

    /** One request descriptor on its way through a decision. */
    private static final class Slot {
        final RateLimitDescriptor descriptor;
        final DescriptorMatch match;
        final RateLimitRule rule;
        final long hits;
        final boolean enforcing;
        /** Cost sent to the store: the hits, or 0 when the bucket is only read. */
        long cost;
        Decision decision;
        boolean over;

        Slot(RateLimitDescriptor descriptor, DescriptorMatch match, long hits, boolean enforcing) {
            this.descriptor = descriptor;
            this.match = match;
            this.rule = match == null ? null : match.rule();
            this.hits = hits;
            this.enforcing = enforcing;
        }

        boolean limited() {
            return rule != null && rule.kind() == RateLimitRule.Kind.LIMITED;
        }

        BucketCall call() {
            return new BucketCall(match.bucketKey(), rule.spec(), cost);
        }
    }

    /** Decides one request. Never blocks; completes exceptionally only with {@link InvalidRateLimitRequestException}. */
    public CompletionStage<RateLimitResponse> shouldRateLimit(RateLimitRequest request) {
        Slot[] slots;
        boolean known;
        try {
            EnvoyConfig cfg = config.get();
            known = cfg.hasDomain(request.getDomain());
            slots = slots(request, cfg, known);
        } catch (InvalidRateLimitRequestException e) {
            return CompletableFuture.failedFuture(e);
        }
        List<Slot> atomic = new ArrayList<>(slots.length);
        List<Slot> measured = new ArrayList<>(0);
        boolean deniedUpfront = false;
        for (Slot s : slots) {
            if (s.rule == null || s.rule.kind() == RateLimitRule.Kind.UNLIMITED) {
                continue;
            }
            boolean never = s.rule.kind() == RateLimitRule.Kind.BLOCKED ? s.hits > 0 : s.rule.spec().exceedsCapacity(s.hits);
            s.over = never;
            if (never && s.enforcing) {
                deniedUpfront = true;
            }
            if (s.limited()) {
                (s.enforcing ? atomic : measured).add(s);
            }
        }
        for (Slot s : atomic) {
            s.cost = deniedUpfront || s.over ? 0 : s.hits;
        }
        boolean upfront = deniedUpfront;
        Outcome[] outcome = {Outcome.DECIDED};
        CompletionStage<Void> first = atomic.isEmpty() ? CompletableFuture.completedFuture(null)
                : decideAtomic(atomic, outcome);
        return first.thenCompose(ignored -> {
            if (measured.isEmpty() || outcome[0] == Outcome.SHED) {
                // shed: the store is overloaded, so the measured descriptors are not asked and not reported
                return CompletableFuture.completedFuture(null);
            }
            boolean admitted = !upfront && outcome[0] != Outcome.SHED && atomic.stream().noneMatch(s -> s.over);
            for (Slot s : measured) {
                s.cost = admitted && !s.over ? s.hits : 0;
            }
            return decideEach(measured, outcome);
        }).thenApply(ignored -> respond(request.getDomain(), known, slots, outcome[0]));
    }

    /** What the store did for a request. */
    private enum Outcome { DECIDED, DEGRADED, SHED }

    private Slot[] slots(RateLimitRequest request, EnvoyConfig cfg, boolean known) {
        String domain = request.getDomain();
        if (domain.isEmpty()) {
            throw new InvalidRateLimitRequestException("rate limit domain must not be empty");
        }
        int n = request.getDescriptorsCount();
        if (n == 0) {
            throw new InvalidRateLimitRequestException("rate limit descriptor list must not be empty");
        }
        List<List<DescriptorEntry>> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            RateLimitDescriptor d = request.getDescriptors(i);
            // an override takes no part in matching, so its file rule neither applies nor replaces anything
            entries.add(known && d.hasLimit() ? List.of() : entries(d));
        }
        List<Optional<DescriptorMatch>> matches = cfg.matchRequest(domain, entries);
        long requestHits = request.getHitsAddend() == 0 ? 1 : Integer.toUnsignedLong(request.getHitsAddend());
        Slot[] slots = new Slot[n];
        for (int i = 0; i < n; i++) {
            RateLimitDescriptor d = request.getDescriptors(i);
            DescriptorMatch m = known && d.hasLimit() ? overrideMatch(domain, d, i) : matches.get(i).orElse(null);
            long hits = d.hasHitsAddend() ? d.getHitsAddend().getValue() : requestHits;
            if (hits < 0) {
                throw new InvalidRateLimitRequestException("descriptors[" + i + "].hits_addend "
                        + Long.toUnsignedString(hits) + " is too large");
            }
            boolean enforcing = m != null && !m.rule().shadowMode() && !m.rule().quotaMode() && !globalShadowMode;
            slots[i] = new Slot(d, m, hits, enforcing);
        }
        return slots;
    }

    private static List<DescriptorEntry> entries(RateLimitDescriptor d) {
        List<DescriptorEntry> out = new ArrayList<>(d.getEntriesCount());
        for (RateLimitDescriptor.Entry e : d.getEntriesList()) {
            out.add(DescriptorEntry.of(e.getKey(), e.getValue()));
        }
        return out;
    }

    private DescriptorMatch overrideMatch(String domain, RateLimitDescriptor d, int index) {
        RateLimitDescriptor.RateLimitOverride o = d.getLimit();
        // by number: these generated classes predate WEEK (7) in envoy.type.v3.RateLimitUnit, newer Envoys send it
        EnvoyUnit unit = switch (o.getUnitValue()) {
            case 1 -> EnvoyUnit.SECOND;
            case 2 -> EnvoyUnit.MINUTE;
            case 3 -> EnvoyUnit.HOUR;
            case 4 -> EnvoyUnit.DAY;
            case 5 -> EnvoyUnit.MONTH;
            case 6 -> EnvoyUnit.YEAR;
            case 7 -> EnvoyUnit.WEEK;
            default -> throw new InvalidRateLimitRequestException("descriptors[" + index
                    + "].limit.unit must be SECOND, MINUTE, HOUR, DAY, WEEK, MONTH or YEAR, got " + o.getUnitValue());
        };
        long rpu = Integer.toUnsignedLong(o.getRequestsPerUnit());
        RateLimitRule rule;
        try {
            // one rule per distinct limit, so a spec (and its fingerprint) is not rebuilt per request
            rule = overrides.computeIfAbsent(rpu * 8 + unit.ordinal(), k -> RateLimitRule.override(rpu, unit));
        } catch (IllegalArgumentException e) {
            throw new InvalidRateLimitRequestException("descriptors[" + index + "].limit " + rpu + " per "
                    + unit.name().toLowerCase(Locale.ROOT) + " cannot be held as a token bucket: " + e.getMessage());
        }
        return EnvoyConfig.overrideMatch(domain, entries(d), rule);
    }

    private CompletionStage<Void> decideAtomic(List<Slot> atomic, Outcome[] outcome) {
        List<BucketCall> calls = new ArrayList<>(atomic.size());
        for (Slot s : atomic) {
            calls.add(s.call());
        }
        CompletionStage<List<Decision>> stage;
        try {
            stage = store.tryConsumeAll(calls);
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        return stage.handle((decisions, error) -> {
            if (error == null) {
                for (int i = 0; i < atomic.size(); i++) {
                    accept(atomic.get(i), decisions.get(i));
                }
            } else {
                outcome[0] = failed(atomic, error, outcome[0]);
            }
            return null;
        });
    }

    private CompletionStage<Void> decideEach(List<Slot> measured, Outcome[] outcome) {
        CompletableFuture<?>[] each = new CompletableFuture<?>[measured.size()];
        for (int i = 0; i < each.length; i++) {
            Slot s = measured.get(i);
            CompletionStage<List<Decision>> stage;
            try {
                stage = store.tryConsumeAll(List.of(s.call()));
            } catch (RuntimeException e) {
                stage = CompletableFuture.failedFuture(e);
            }
            each[i] = stage.handle((decisions, error) -> {
                if (error == null) {
                    accept(s, decisions.get(0));
                } else {
                    synchronized (outcome) {
                        outcome[0] = failed(List.of(s), error, outcome[0]);
                    }
                }
                return null;
            }).toCompletableFuture();
        }
        return CompletableFuture.allOf(each);
    }

    private void accept(Slot s, Decision d) {
        s.decision = d;
        if (!s.over) {
            s.over = s.cost > 0 ? !d.allowed() : d.microsUntilAvailable(s.hits) > 0 && s.hits > 0;
        }
        if (failurePolicy == FailurePolicy.FAIL_OPEN || (failurePolicy == FailurePolicy.LOCAL && expectedInstances == 1)) {
            fallbackBuckets.remember(s.match.bucketKey(), d);
        }
    }

    /** Applies the failure policy to {@code slots}, whose store call failed; returns the request's new outcome. */
    private Outcome failed(List<Slot> slots, Throwable error, Outcome before) {
        Throwable cause = StoreException.unwrap(error);
        if (StoreOverloadedException.findIn(cause) != null) {
            for (Slot s : slots) {
                s.over = s.over || s.hits > 0;
            }
            return Outcome.SHED;
        }
        fallbackLog.event(suppressed -> log.warn("Rate-limit store failed ({}); applying {} to Envoy descriptors{}",
                StoreException.describe(cause), failurePolicy.label(),
                suppressed > 0 ? " (" + suppressed + " more fallbacks since the last message)" : ""));
        for (Slot s : slots) {
            if (s.over) {
                continue;
            }
            switch (failurePolicy) {
                case FAIL_CLOSED -> s.over = s.hits > 0;
                case FAIL_OPEN_UNBOUNDED -> { }
                case FAIL_OPEN, LOCAL -> {
                    if (s.cost > 0) {
                        var spec = failurePolicy == FailurePolicy.LOCAL
                                ? s.rule.spec().dividedAmong(expectedInstances, s.cost) : s.rule.spec();
                        Decision local = fallbackBuckets.decide(s.match.bucketKey(), spec, s.cost);
                        s.decision = local;
                        s.over = !local.allowed();
                    }
                }
            }
        }
        return before == Outcome.SHED ? Outcome.SHED : Outcome.DEGRADED;
    }

    private RateLimitResponse respond(String domain, boolean known, Slot[] slots, Outcome outcome) {
        RateLimitResponse.Builder response = RateLimitResponse.newBuilder();
        boolean overall = false;
        int quota = 0;
        int quotaOver = 0;
        Slot reported = null;
        for (Slot s : slots) {
            RateLimitResponse.DescriptorStatus.Builder status = RateLimitResponse.DescriptorStatus.newBuilder()
                    .setCode(RateLimitResponse.Code.OK);
            if (s.rule != null) {
                RateLimitRule r = s.rule;
                if (r.kind() == RateLimitRule.Kind.UNLIMITED) {
                    status.setLimitRemaining(UNLIMITED_REMAINING);
                } else {
                    status.setCurrentLimit(RateLimitResponse.RateLimit.newBuilder()
                            .setRequestsPerUnit((int) r.requestsPerUnit())
                            .setUnit(unit(r.unit()))
                            .setName(r.name()));
                    boolean overCode = s.over && !r.shadowMode();
                    status.setCode(overCode ? RateLimitResponse.Code.OVER_LIMIT : RateLimitResponse.Code.OK);
                    Decision d = s.decision;
                    if (d != null && d.reason() != Decision.Reason.COST_EXCEEDS_CAPACITY) {
                        status.setLimitRemaining((int) Math.min(d.remaining(), 4294967295L));
                        long micros = s.over ? d.microsUntilAvailable(s.hits) : d.resetMicros();
                        if (micros != Long.MAX_VALUE) {
                            status.setDurationUntilReset(duration(micros));
                        }
                    }
                    if (r.quotaMode()) {
                        quota++;
                        quotaOver += overCode ? 1 : 0;
                    } else {
                        overall |= overCode;
                    }
                    if (reported == null || (overCode && !r.quotaMode())
                            || (!reportedOver(reported) && remaining(s) < remaining(reported))) {
                        reported = s;
                    }
                    listener.onDescriptor(domain, s.match.statsKey(), s.hits, s.over, s.over && r.shadowMode(),
                            !s.over && nearLimit(s));
                }
            }
            response.addStatuses(status);
        }
        overall |= quota > 0 && quotaOver == quota;
        if (globalShadowMode) {
            overall = false;
        }
        response.setOverallCode(overall ? RateLimitResponse.Code.OVER_LIMIT : RateLimitResponse.Code.OK);
        if (responseHeaders && reported != null) {
            IetfHeaders.add(response, reported.rule, reported.decision, reported.over, reported.hits);
        }
        if (outcome == Outcome.DEGRADED) {
            response.addResponseHeadersToAdd(HeaderValue.newBuilder().setKey(DEGRADED_HEADER)
                    .setValue(failurePolicy.label()));
        } else if (outcome == Outcome.SHED) {
            response.addResponseHeadersToAdd(HeaderValue.newBuilder().setKey("retry-after").setValue("1"));
        }
        listener.onRequest(domain, known, overall,
                outcome == Outcome.DEGRADED ? failurePolicy : null, outcome == Outcome.SHED);
        return response.build();
    }

    private static boolean reportedOver(Slot s) {
        return s.over && !s.rule.shadowMode() && !s.rule.quotaMode();
    }

    private static long remaining(Slot s) {
        return s.decision == null || s.decision.reason() == Decision.Reason.COST_EXCEEDS_CAPACITY ? 0
                : s.decision.remaining();
    }

    /** An allowed request that left the tightest limit at or past the near-limit ratio of its capacity. */
    private boolean nearLimit(Slot s) {
        Decision d = s.decision;
        if (d == null || d.reason() == Decision.Reason.COST_EXCEEDS_CAPACITY || s.hits == 0) {
            return false;
        }
        int t = d.tightestLimit();
        long capacity = d.spec().limit(t).capacity();
        return capacity - d.remaining(t) > (long) Math.floor(capacity * nearLimitRatio);
    }

    static RateLimitResponse.RateLimit.Unit unit(EnvoyUnit unit) {
        return switch (unit) {
            case SECOND -> RateLimitResponse.RateLimit.Unit.SECOND;
            case MINUTE -> RateLimitResponse.RateLimit.Unit.MINUTE;
            case HOUR -> RateLimitResponse.RateLimit.Unit.HOUR;
            case DAY -> RateLimitResponse.RateLimit.Unit.DAY;
            case WEEK -> RateLimitResponse.RateLimit.Unit.WEEK;
            case MONTH -> RateLimitResponse.RateLimit.Unit.MONTH;
            case YEAR -> RateLimitResponse.RateLimit.Unit.YEAR;
        };
    }

    /**
     * Whole seconds, rounded up: Envoy reads only the seconds of {@code duration_until_reset} for its
     * {@code x-ratelimit-reset} header, so 0.2 s must say 1, never 0 (which would invite a retry that is denied).
     */
    private static Duration duration(long micros) {
        return Duration.newBuilder().setSeconds((micros + 999_999) / 1_000_000).build();
    }




    /** Validating builder; every setting has the default envoyproxy/ratelimit users expect. */
    public static final class Builder {
        private final BucketStore store;
        private final Supplier<EnvoyConfig> config;
        private FailurePolicy failurePolicy = FailurePolicy.FAIL_OPEN;
        private int expectedInstances = 1;
        private boolean globalShadowMode;
        private boolean responseHeaders;
        private double nearLimitRatio = 0.8;
        private EnvoyLimiterListener listener = EnvoyLimiterListener.NONE;
        private FallbackBuckets fallbackBuckets;
        private java.time.Duration fallbackLogEvery = java.time.Duration.ofSeconds(10);

        private Builder(BucketStore store, Supplier<EnvoyConfig> config) {
            this.store = Objects.requireNonNull(store, "store");
            this.config = Objects.requireNonNull(config, "config");
        }

        /** What a descriptor gets when the store cannot decide; default {@code fail-open}. */
        public Builder failurePolicy(FailurePolicy policy) {
            this.failurePolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** How many instances share the limits; scales the {@code local} policy. Default 1. */
        public Builder expectedInstances(int instances) {
            if (instances < 1) {
                throw new IllegalArgumentException("expected instances must be at least 1, got " + instances);
            }
            this.expectedInstances = instances;
            return this;
        }

        /** {@code SHADOW_MODE}: every request is answered OK; statuses keep their codes. Default off. */
        public Builder globalShadowMode(boolean on) {
            this.globalShadowMode = on;
            return this;
        }

        /** {@code LIMIT_RESPONSE_HEADERS_ENABLED}: add IETF {@code RateLimit-Policy} / {@code RateLimit}. Default off. */
        public Builder responseHeaders(boolean on) {
            this.responseHeaders = on;
            return this;
        }

        /** {@code NEAR_LIMIT_RATIO}, for the near-limit count only; in (0, 1], default 0.8. */
        public Builder nearLimitRatio(double ratio) {
            if (!(ratio > 0 && ratio <= 1)) {
                throw new IllegalArgumentException("near-limit ratio must be above 0 and at most 1, got " + ratio);
            }
            this.nearLimitRatio = ratio;
            return this;
        }

        public Builder listener(EnvoyLimiterListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** The local buckets of {@code fail-open} and {@code local}; default a fresh set. */
        public Builder fallbackBuckets(FallbackBuckets buckets) {
            this.fallbackBuckets = Objects.requireNonNull(buckets, "buckets");
            return this;
        }

        /** At most one fallback log line per this interval. Default 10 s. */
        public Builder fallbackLogEvery(java.time.Duration every) {
            this.fallbackLogEvery = Objects.requireNonNull(every, "every");
            return this;
        }

        public EnvoyLimiter build() {
            if (fallbackBuckets == null) {
                fallbackBuckets = new FallbackBuckets();
            }
            return new EnvoyLimiter(this);
        }
    }
}
