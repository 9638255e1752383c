package io.tollgate.envoy.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.UInt64Value;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus;
import io.envoyproxy.envoy.type.v3.RateLimitUnit;
import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.limiter.FallbackBuckets;
import io.tollgate.core.rules.FailurePolicy;
import io.tollgate.core.store.BucketCall;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.ForwardingBucketStore;
import io.tollgate.core.store.InMemoryBucketStore;
import io.tollgate.core.store.ManualClock;
import io.tollgate.core.store.StoreOverloadedException;
import io.tollgate.core.store.StoreUnavailableException;
import io.tollgate.envoy.config.EnvoyConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The service's semantics, request by request, on the in-memory store with a manual clock: envoyproxy/ratelimit's
 * README examples and status table, and where a token bucket answers differently on purpose.
 */
class EnvoyLimiterTest {

    protected final ManualClock clock = new ManualClock(1_000_000_000L);
    private OutageSwitch store;
    private final List<String> stats = new ArrayList<>();

    /** The store the decisions are made on, on {@link #clock}: here the in-memory one; a subclass runs the same table on Redis. */
    protected BucketStore backingStore() {
        return new InMemoryBucketStore(clock, 10_000);
    }

    @org.junit.jupiter.api.BeforeEach
    void openStore() {
        store = new OutageSwitch(backingStore());
    }

    @org.junit.jupiter.api.AfterEach
    void closeStore() {
        store.close();
    }

    /** How a request reaches the limiter: here a direct call; a subclass goes through the real gRPC server. */
    protected RateLimitResponse decide(EnvoyLimiter l, RateLimitRequest request) {
        return l.shouldRateLimit(request).toCompletableFuture().join();
    }

    /** Asserts that {@code request} is refused as invalid with {@code message}. */
    protected void assertInvalid(EnvoyLimiter l, RateLimitRequest request, String message) {
        assertThatThrownBy(() -> decide(l, request))
                .hasRootCauseInstanceOf(InvalidRateLimitRequestException.class)
                .hasRootCauseMessage(message);
    }

    private EnvoyLimiter limiter(String yaml) {
        return limiter(yaml, b -> { });
    }

    private EnvoyLimiter limiter(String yaml, java.util.function.Consumer<EnvoyLimiter.Builder> tune) {
        EnvoyConfig config = EnvoyConfig.parse("test.yaml", yaml);
        EnvoyLimiter.Builder b = EnvoyLimiter.builder(store, () -> config)
                .fallbackBuckets(new FallbackBuckets(clock, 1000))
                .listener(new EnvoyLimiterListener() {
                    @Override
                    public void onDescriptor(String domain, String statsKey, long hits, boolean overLimit,
                                             boolean shadow, boolean nearLimit) {
                        stats.add(statsKey + (overLimit ? " over" : " within") + (shadow ? " shadow" : "")
                                + (nearLimit ? " near" : "") + " " + hits);
                    }
                });
        tune.accept(b);
        return b.build();
    }

    private static final String MESSAGING = """
            domain: messaging
            descriptors:
              - key: message_type
                value: marketing
                descriptors:
                  - key: to_number
                    rate_limit:
                      unit: day
                      requests_per_unit: 5
              - key: to_number
                rate_limit:
                  unit: day
                  requests_per_unit: 100
            """;

    @Test
    void underTheLimitCountsDownAndReportsTheTimeUntilFull() {
        EnvoyLimiter l = limiter("""
                domain: mongo_cps
                descriptors:
                  - key: database
                    value: users
                    rate_limit:
                      unit: second
                      requests_per_unit: 5
                      name: users-cps
                """);
        for (int i = 4; i >= 0; i--) {
            DescriptorStatus s = decide(l, request("mongo_cps", d("database", "users"))).getStatuses(0);
            assertThat(s.getCode()).isEqualTo(Code.OK);
            assertThat(s.getLimitRemaining()).isEqualTo(i);
            assertThat(s.getCurrentLimit().getRequestsPerUnit()).isEqualTo(5);
            assertThat(s.getCurrentLimit().getUnit()).isEqualTo(RateLimitResponse.RateLimit.Unit.SECOND);
            assertThat(s.getCurrentLimit().getName()).isEqualTo("users-cps");
            // until full: (5 - i) tokens at 5/s, 200 ms each, in whole seconds rounded up (Envoy reads the seconds)
            assertThat(s.getDurationUntilReset().getSeconds()).isEqualTo(1);
            assertThat(s.getDurationUntilReset().getNanos()).isZero();
        }
        RateLimitResponse over = decide(l, request("mongo_cps", d("database", "users")));
        assertThat(over.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
        assertThat(over.getStatuses(0).getCode()).isEqualTo(Code.OVER_LIMIT);
        assertThat(over.getStatuses(0).getLimitRemaining()).isZero();
        // over: the time until this request could pass, one token at 5/s: 0.2 s says 1 s, never 0
        assertThat(micros(over.getStatuses(0))).isEqualTo(1_000_000L);
        // a token bucket refills continuously, not at a window edge
        clock.advanceMicros(200_000);
        assertThat(decide(l, request("mongo_cps", d("database", "users"))).getOverallCode()).isEqualTo(Code.OK);
        assertThat(decide(l, request("mongo_cps", d("database", "default"))).getStatuses(0).hasCurrentLimit())
                .isFalse();
    }

    @Test
    void example2NestedAndKeyOnlyDescriptorsEachGetABucketPerValue() {
        EnvoyLimiter l = limiter(MESSAGING);
        for (int i = 0; i < 5; i++) {
            RateLimitResponse r = decide(l, request("messaging", d("message_type", "marketing", "to_number", "2061111111"),
                    d("to_number", "2061111111")));
            assertThat(r.getOverallCode()).isEqualTo(Code.OK);
            assertThat(r.getStatuses(0).getLimitRemaining()).isEqualTo(4 - i);
            assertThat(r.getStatuses(1).getLimitRemaining()).isEqualTo(99 - i);
        }
        RateLimitResponse sixth = decide(l, request("messaging",
                d("message_type", "marketing", "to_number", "2061111111"), d("to_number", "2061111111")));
        assertThat(sixth.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
        assertThat(sixth.getStatuses(0).getCode()).isEqualTo(Code.OVER_LIMIT);
        // all or nothing: the per-number descriptor was fine on its own, reports so, and took nothing
        assertThat(sixth.getStatuses(1).getCode()).isEqualTo(Code.OK);
        assertThat(sixth.getStatuses(1).getLimitRemaining()).isEqualTo(95);
        assertThat(decide(l, request("messaging", d("to_number", "2061111111"))).getStatuses(0).getLimitRemaining())
                .isEqualTo(94);
        // another number has buckets of its own
        assertThat(decide(l, request("messaging", d("message_type", "marketing", "to_number", "2062222222")))
                .getStatuses(0).getLimitRemaining()).isEqualTo(4);
        // a day limit refills by 5 per day: the time until one token is 86400 s / 5
        assertThat(micros(sixth.getStatuses(0))).isEqualTo(86_400_000_000L / 5);
    }

    @Test
    void example3BlockedValueIsAlwaysOverAndTakesNothingFromTheOthers() {
        EnvoyLimiter l = limiter("""
                domain: edge_proxy_per_ip
                descriptors:
                  - key: remote_address
                    rate_limit:
                      unit: second
                      requests_per_unit: 10
                  - key: remote_address
                    value: 50.0.0.5
                    rate_limit:
                      unit: second
                      requests_per_unit: 0
                  - key: path
                    rate_limit:
                      unit: second
                      requests_per_unit: 3
                """);
        RateLimitResponse blocked = decide(l, request("edge_proxy_per_ip", d("remote_address", "50.0.0.5"),
                d("path", "/a")));
        assertThat(blocked.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
        assertThat(blocked.getStatuses(0).getCode()).isEqualTo(Code.OVER_LIMIT);
        assertThat(blocked.getStatuses(0).getCurrentLimit().getRequestsPerUnit()).isZero();
        assertThat(blocked.getStatuses(0).hasDurationUntilReset()).isFalse();
        assertThat(blocked.getStatuses(1).getCode()).isEqualTo(Code.OK);
        assertThat(blocked.getStatuses(1).getLimitRemaining()).isEqualTo(3);
        assertThat(decide(l, request("edge_proxy_per_ip", d("path", "/a"))).getStatuses(0).getLimitRemaining())
                .isEqualTo(2);
        for (int i = 0; i < 10; i++) {
            assertThat(decide(l, request("edge_proxy_per_ip", d("remote_address", "50.0.0.1"))).getOverallCode())
                    .isEqualTo(Code.OK);
        }
        assertThat(decide(l, request("edge_proxy_per_ip", d("remote_address", "50.0.0.1"))).getOverallCode())
                .isEqualTo(Code.OVER_LIMIT);
    }

    @Test
    void example4DepthMustMatchOrNothingIsLimited() {
        EnvoyLimiter l = limiter("""
                domain: example4
                descriptors:
                  - key: key
                    value: value
                    descriptors:
                      - key: subkey
                        value: subvalue
                        rate_limit:
                          requests_per_unit: 1
                          unit: second
                """);
        RateLimitResponse shallow = decide(l, request("example4", d("key", "value")));
        assertThat(shallow.getStatuses(0).hasCurrentLimit()).isFalse();
        assertThat(decide(l, request("example4", d("key", "value", "subkey", "subvalue"))).getOverallCode())
                .isEqualTo(Code.OK);
        assertThat(decide(l, request("example4", d("key", "value", "subkey", "subvalue"))).getOverallCode())
                .isEqualTo(Code.OVER_LIMIT);
    }

    @Test
    void example5UnlimitedIsOkWithMaxRemainingAndNeverCounted() {
        EnvoyLimiter l = limiter("""
                domain: internal
                descriptors:
                  - key: ldap
                    rate_limit:
                      unlimited: true
                  - key: azure
                    rate_limit:
                      unit: minute
                      requests_per_unit: 100
                """);
        for (int i = 0; i < 3; i++) {
            DescriptorStatus s = decide(l, request("internal", d("ldap", "x"))).getStatuses(0);
            assertThat(s.getCode()).isEqualTo(Code.OK);
            assertThat(Integer.toUnsignedLong(s.getLimitRemaining())).isEqualTo(4294967295L);
            assertThat(s.hasCurrentLimit()).isFalse();
        }
        assertThat(store.calls).isZero();
        assertThat(decide(l, request("internal", d("azure", "x"))).getStatuses(0).getLimitRemaining()).isEqualTo(99);
    }

    @Test
    void example6ShadowModeAnswersOkButCountsTheBreach() {
        EnvoyLimiter l = limiter("""
                domain: example6
                descriptors:
                  - key: service
                    descriptors:
                      - key: user
                        value: user-a
                        rate_limit:
                          requests_per_unit: 2
                          unit: second
                        shadow_mode: true
                      - key: user
                        value: user-b
                        rate_limit:
                          requests_per_unit: 2
                          unit: second
                """);
        for (int i = 0; i < 4; i++) {
            RateLimitResponse a = decide(l, request("example6", d("service", "auth", "user", "user-a")));
            assertThat(a.getOverallCode()).isEqualTo(Code.OK);
            assertThat(a.getStatuses(0).getCode()).isEqualTo(Code.OK);
        }
        assertThat(stats).containsExactly("example6.service.user_user-a within 1", "example6.service.user_user-a within near 1",
                "example6.service.user_user-a over shadow 1", "example6.service.user_user-a over shadow 1");
        decide(l, request("example6", d("service", "auth", "user", "user-b")));
        decide(l, request("example6", d("service", "auth", "user", "user-b")));
        assertThat(decide(l, request("example6", d("service", "auth", "user", "user-b"))).getOverallCode())
                .isEqualTo(Code.OVER_LIMIT);
    }

    @Test
    void shadowDescriptorsDoNotHoldBackTheEnforcedOnes() {
        EnvoyLimiter l = limiter("""
                domain: d
                descriptors:
                  - key: soft
                    shadow_mode: true
                    rate_limit: {unit: minute, requests_per_unit: 1}
                  - key: hard
                    rate_limit: {unit: minute, requests_per_unit: 3}
                """);
        decide(l, request("d", d("soft", "x")));
        RateLimitResponse r = decide(l, request("d", d("soft", "x"), d("hard", "y")));
        assertThat(r.getOverallCode()).isEqualTo(Code.OK);
        assertThat(r.getStatuses(0).getCode()).isEqualTo(Code.OK); // over, but in shadow mode
        assertThat(r.getStatuses(1).getLimitRemaining()).isEqualTo(2);
    }

    @Test
    void example7ReplacesDropsTheNamedLimit() {
        EnvoyLimiter l = limiter("""
                domain: example7
                descriptors:
                  - key: key_1
                    value: value_1
                    descriptors:
                      - key: user
                        value: bkthomps
                        rate_limit:
                          name: specific_limit
                          requests_per_unit: 1
                          unit: second
                  - key: key_2
                    value: value_2
                    descriptors:
                      - key: user
                        value: bkthomps
                        rate_limit:
                          replaces:
                            - name: specific_limit
                          requests_per_unit: 3
                          unit: second
                """);
        RateLimitDescriptor one = d("key_1", "value_1", "user", "bkthomps");
        RateLimitDescriptor two = d("key_2", "value_2", "user", "bkthomps");
        for (int i = 0; i < 3; i++) {
            RateLimitResponse r = decide(l, request("example7", one, two));
            assertThat(r.getOverallCode()).isEqualTo(Code.OK);
            assertThat(r.getStatuses(0).hasCurrentLimit()).isFalse();
            assertThat(r.getStatuses(1).getLimitRemaining()).isEqualTo(2 - i);
        }
        // the replaced limit was never counted: alone it still has its one token
        assertThat(decide(l, request("example7", one)).getOverallCode()).isEqualTo(Code.OK);
        assertThat(decide(l, request("example7", one)).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    }

    @Test
    void hitsAddendPerDescriptorOverridesTheRequestsAndZeroOnlyChecks() {
        EnvoyLimiter l = limiter("""
                domain: d
                descriptors:
                  - key: k
                    rate_limit: {unit: hour, requests_per_unit: 10}
                """);
        assertThat(decide(l, request("d", 3, d("k", "a"))).getStatuses(0).getLimitRemaining()).isEqualTo(7);
        // request-level 0 means 1
        assertThat(decide(l, request("d", 0, d("k", "a"))).getStatuses(0).getLimitRemaining()).isEqualTo(6);
        // per descriptor: its own addend wins, 0 checks without taking anything
        assertThat(decide(l, request("d", 5, d("k", "a").toBuilder().setHitsAddend(UInt64Value.of(0)).build()))
                .getStatuses(0).getLimitRemaining()).isEqualTo(6);
        assertThat(decide(l, request("d", 5, d("k", "a").toBuilder().setHitsAddend(UInt64Value.of(2)).build()))
                .getStatuses(0).getLimitRemaining()).isEqualTo(4);
        RateLimitResponse tooMany = decide(l, request("d", 5, d("k", "a")));
        assertThat(tooMany.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
        assertThat(tooMany.getStatuses(0).getLimitRemaining()).isEqualTo(4); // a denial takes nothing
        // one token per 6 minutes: 5 hits need 1 more token
        assertThat(micros(tooMany.getStatuses(0))).isEqualTo(360_000_000L);
        // more hits than the capacity can never pass
        RateLimitResponse never = decide(l, request("d", 11, d("k", "a")));
        assertThat(never.getStatuses(0).getCode()).isEqualTo(Code.OVER_LIMIT);
        assertThat(never.getStatuses(0).hasDurationUntilReset()).isFalse();
    }

    @Test
    void quotaModeIsOverOnlyWhenEveryQuotaDescriptorIs() {
        EnvoyLimiter l = limiter("""
                domain: d
                descriptors:
                  - key: q1
                    quota_mode: true
                    rate_limit: {unit: minute, requests_per_unit: 1}
                  - key: q2
                    quota_mode: true
                    rate_limit: {unit: minute, requests_per_unit: 2}
                """);
        decide(l, request("d", d("q1", "x"), d("q2", "x")));
        RateLimitResponse one = decide(l, request("d", d("q1", "x"), d("q2", "x")));
        assertThat(one.getStatuses(0).getCode()).isEqualTo(Code.OVER_LIMIT);
        assertThat(one.getOverallCode()).isEqualTo(Code.OK);
        RateLimitResponse both = decide(l, request("d", d("q1", "x"), d("q2", "x")));
        assertThat(both.getStatuses(1).getCode()).isEqualTo(Code.OVER_LIMIT);
        assertThat(both.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    }

    @Test
    void globalShadowModeKeepsTheStatusCodesButAnswersOk() {
        EnvoyLimiter l = limiter("""
                domain: d
                descriptors:
                  - key: k
                    rate_limit: {unit: minute, requests_per_unit: 1}
                """, b -> b.globalShadowMode(true));
        decide(l, request("d", d("k", "a")));
        RateLimitResponse r = decide(l, request("d", d("k", "a")));
        assertThat(r.getOverallCode()).isEqualTo(Code.OK);
        assertThat(r.getStatuses(0).getCode()).isEqualTo(Code.OVER_LIMIT);
    }

    @Test
    void wildcardsGetABucketPerValueUnlessTheyShareOne() {
        EnvoyLimiter l = limiter("""
                domain: d
                descriptors:
                  - key: path
                    value: /api/*
                    rate_limit: {unit: minute, requests_per_unit: 1}
                  - key: files
                    value: files/*
                    share_threshold: true
                    rate_limit: {unit: minute, requests_per_unit: 1}
                """);
        assertThat(decide(l, request("d", d("path", "/api/a"))).getOverallCode()).isEqualTo(Code.OK);
        assertThat(decide(l, request("d", d("path", "/api/b"))).getOverallCode()).isEqualTo(Code.OK);
        assertThat(decide(l, request("d", d("path", "/api/a"))).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
        assertThat(decide(l, request("d", d("files", "files/a.pdf"))).getOverallCode()).isEqualTo(Code.OK);
        assertThat(decide(l, request("d", d("files", "files/b.pdf"))).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    }

    @Test
    void unknownDomainsAndDescriptorsAreOkWithoutLimit() {
        EnvoyLimiter l = limiter(MESSAGING);
        RateLimitResponse r = decide(l, request("foo", d("to_number", "1")));
        assertThat(r.getOverallCode()).isEqualTo(Code.OK);
        assertThat(r.getStatuses(0)).isEqualTo(DescriptorStatus.newBuilder().setCode(Code.OK).build());
        assertThat(decide(l, request("messaging", d("other", "1"))).getStatuses(0).hasCurrentLimit()).isFalse();
    }

    @Test
    void emptyDomainOrDescriptorListIsAnInvalidRequest() {
        EnvoyLimiter l = limiter(MESSAGING);
        assertInvalid(l, request("", d("k", "v")), "rate limit domain must not be empty");
        assertInvalid(l, RateLimitRequest.newBuilder().setDomain("messaging").build(),
                "rate limit descriptor list must not be empty");
    }

    @Test
    void aDescriptorsOwnLimitOverridesTheFileInAKnownDomain() {
        EnvoyLimiter l = limiter(MESSAGING);
        RateLimitDescriptor withLimit = d("to_number", "1").toBuilder().setLimit(
                RateLimitDescriptor.RateLimitOverride.newBuilder().setRequestsPerUnit(2).setUnit(RateLimitUnit.MINUTE))
                .build();
        RateLimitResponse first = decide(l, request("messaging", withLimit));
        assertThat(first.getStatuses(0).getCurrentLimit().getRequestsPerUnit()).isEqualTo(2);
        assertThat(first.getStatuses(0).getLimitRemaining()).isEqualTo(1);
        decide(l, request("messaging", withLimit));
        assertThat(decide(l, request("messaging", withLimit)).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
        // the file's own limit for the same values is a different bucket
        assertThat(decide(l, request("messaging", d("to_number", "1"))).getStatuses(0).getLimitRemaining())
                .isEqualTo(99);
        assertThat(stats).contains("messaging.to_number_1 over 1");
        // in an unknown domain the override does not apply
        assertThat(decide(l, request("nowhere", withLimit)).getStatuses(0).hasCurrentLimit()).isFalse();
    }

    @Test
    void storeFailureIsAnsweredByTheFailurePolicyNeverAnError() {
        String yaml = """
                domain: d
                descriptors:
                  - key: k
                    rate_limit: {unit: minute, requests_per_unit: 2}
                """;
        EnvoyLimiter open = limiter(yaml);
        decide(open, request("d", d("k", "a"))); // the store says 1 left; fail-open starts from there
        store.failing.set(new StoreUnavailableException("connection refused"));
        RateLimitResponse degraded = decide(open, request("d", d("k", "a")));
        assertThat(degraded.getOverallCode()).isEqualTo(Code.OK);
        assertThat(degraded.getStatuses(0).getLimitRemaining()).isZero();
        assertThat(degraded.getResponseHeadersToAddList())
                .contains(HeaderValue.newBuilder().setKey("x-ratelimit-degraded").setValue("fail-open").build());
        assertThat(decide(open, request("d", d("k", "a"))).getOverallCode()).isEqualTo(Code.OVER_LIMIT);

        EnvoyLimiter closed = limiter(yaml, b -> b.failurePolicy(FailurePolicy.FAIL_CLOSED));
        assertThat(decide(closed, request("d", d("k", "b"))).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
        EnvoyLimiter unbounded = limiter(yaml, b -> b.failurePolicy(FailurePolicy.FAIL_OPEN_UNBOUNDED));
        for (int i = 0; i < 5; i++) {
            assertThat(decide(unbounded, request("d", d("k", "b"))).getOverallCode()).isEqualTo(Code.OK);
        }

        store.failing.set(new StoreOverloadedException("queue full"));
        RateLimitResponse shed = decide(open, request("d", d("k", "c")));
        assertThat(shed.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
        assertThat(shed.getResponseHeadersToAddList())
                .contains(HeaderValue.newBuilder().setKey("retry-after").setValue("1").build());
    }

    @Test
    void ietfHeadersReportTheDescriptorOverTheLimitElseTheTightest() {
        EnvoyLimiter l = limiter("""
                domain: d
                descriptors:
                  - key: user
                    rate_limit: {unit: minute, requests_per_unit: 10, name: per-user}
                  - key: ip
                    rate_limit: {unit: second, requests_per_unit: 2}
                """, b -> b.responseHeaders(true));
        RateLimitResponse r = decide(l, request("d", d("user", "u"), d("ip", "1")));
        assertThat(r.getResponseHeadersToAddList()).containsExactly(
                HeaderValue.newBuilder().setKey("RateLimit-Policy").setValue("\"d.ip\";q=2;w=1").build(),
                HeaderValue.newBuilder().setKey("RateLimit").setValue("\"d.ip\";r=1;t=1").build());
        decide(l, request("d", d("user", "u")));
        for (int i = 0; i < 8; i++) {
            decide(l, request("d", d("user", "u")));
        }
        RateLimitResponse over = decide(l, request("d", d("user", "u"), d("ip", "1")));
        assertThat(over.getResponseHeadersToAddList()).containsExactly(
                HeaderValue.newBuilder().setKey("RateLimit-Policy").setValue("\"per-user\";q=10;w=60").build(),
                HeaderValue.newBuilder().setKey("RateLimit").setValue("\"per-user\";r=0;t=6").build());
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static long micros(DescriptorStatus s) {
        return s.getDurationUntilReset().getSeconds() * 1_000_000L + s.getDurationUntilReset().getNanos() / 1000;
    }

    static RateLimitRequest request(String domain, RateLimitDescriptor... descriptors) {
        return RateLimitRequest.newBuilder().setDomain(domain).addAllDescriptors(List.of(descriptors)).build();
    }

    static RateLimitRequest request(String domain, int hits, RateLimitDescriptor... descriptors) {
        return request(domain, descriptors).toBuilder().setHitsAddend(hits).build();
    }

    static RateLimitDescriptor d(String... keyValues) {
        RateLimitDescriptor.Builder b = RateLimitDescriptor.newBuilder();
        for (int i = 0; i < keyValues.length; i += 2) {
            b.addEntries(RateLimitDescriptor.Entry.newBuilder().setKey(keyValues[i]).setValue(keyValues[i + 1]));
        }
        return b.build();
    }

    /** The in-memory store, with a switch that makes every call fail as a store outage would. */
    static final class OutageSwitch extends ForwardingBucketStore {
        final AtomicReference<RuntimeException> failing = new AtomicReference<>();
        int calls;

        OutageSwitch(BucketStore delegate) {
            super(delegate);
        }

        @Override
        public CompletionStage<Decision> tryConsume(String bucketKey, BucketSpec spec, long cost) {
            calls++;
            RuntimeException e = failing.get();
            return e != null ? CompletableFuture.failedFuture(e) : delegate.tryConsume(bucketKey, spec, cost);
        }

        @Override
        public CompletionStage<List<Decision>> tryConsumeAll(List<BucketCall> calls) {
            this.calls++;
            RuntimeException e = failing.get();
            return e != null ? CompletableFuture.failedFuture(e) : delegate.tryConsumeAll(calls);
        }

        @Override
        public String describe() {
            return "outage switch over " + delegate.describe();
        }

        @Override
        public boolean distributed() {
            return false;
        }
    }
}
