package io.tollgate.envoy.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Matching as envoyproxy/ratelimit's GetLimit does it, on configurations shaped like its README examples. */
class EnvoyMatchingTest {

    private static List<DescriptorEntry> entries(String... kv) {
        List<DescriptorEntry> out = new ArrayList<>();
        for (int i = 0; i < kv.length; i += 2) {
            out.add(DescriptorEntry.of(kv[i], kv[i + 1]));
        }
        return out;
    }

    private static Optional<RateLimitRule> rule(EnvoyConfig c, String domain, String... kv) {
        return c.match(domain, entries(kv)).map(DescriptorMatch::rule);
    }

    private static long rpu(EnvoyConfig c, String domain, String... kv) {
        return rule(c, domain, kv).orElseThrow().requestsPerUnit();
    }

    @Test
    void keyAndValueBeatsWildcardWhichBeatsKeyOnly() {
        EnvoyConfig c = EnvoyConfig.parse("edge.yaml", """
                domain: edge_proxy_per_ip
                descriptors:
                  - key: remote_address
                    rate_limit: {unit: second, requests_per_unit: 10}
                  - key: remote_address
                    value: 50.0.*
                    rate_limit: {unit: second, requests_per_unit: 3}
                  - key: remote_address
                    value: 50.0.0.5
                    rate_limit: {unit: second, requests_per_unit: 0}
                """);
        assertThat(rpu(c, "edge_proxy_per_ip", "remote_address", "50.0.0.5")).isZero();
        assertThat(rule(c, "edge_proxy_per_ip", "remote_address", "50.0.0.5").orElseThrow().kind())
                .isEqualTo(RateLimitRule.Kind.BLOCKED);
        assertThat(rpu(c, "edge_proxy_per_ip", "remote_address", "50.0.0.6")).isEqualTo(3);
        assertThat(rpu(c, "edge_proxy_per_ip", "remote_address", "10.1.1.1")).isEqualTo(10);
    }

    @Test
    void depthMustMatch() {
        EnvoyConfig shallow = EnvoyConfig.parse("e4.yaml", """
                domain: example4
                descriptors:
                  - key: key
                    value: value
                    rate_limit: {unit: second, requests_per_unit: 300}
                """);
        assertThat(rule(shallow, "example4", "key", "value", "subkey", "subvalue")).isEmpty();
        assertThat(rpu(shallow, "example4", "key", "value")).isEqualTo(300);

        EnvoyConfig deep = EnvoyConfig.parse("e4.yaml", """
                domain: example4
                descriptors:
                  - key: key
                    value: value
                    rate_limit: {unit: second, requests_per_unit: 5}
                    descriptors:
                      - key: subkey
                        rate_limit: {unit: second, requests_per_unit: 300}
                """);
        assertThat(rpu(deep, "example4", "key", "value", "subkey", "subvalue")).isEqualTo(300);
        assertThat(rpu(deep, "example4", "key", "value")).isEqualTo(5);
        // deeper than the tree, and a parent's limit is not used when the child does not match
        assertThat(rule(deep, "example4", "key", "value", "subkey", "s", "more", "x")).isEmpty();
        assertThat(rule(deep, "example4", "key", "value", "other", "x")).isEmpty();
        assertThat(rule(deep, "example4")).isEmpty();
    }

    @Test
    void noBacktrackingToKeyOnlyOnceKeyAndValueMatched() {
        EnvoyConfig c = EnvoyConfig.parse("m.yaml", """
                domain: messaging
                descriptors:
                  - key: message_type
                    value: marketing
                    descriptors:
                      - key: to_number
                        rate_limit: {unit: day, requests_per_unit: 5}
                  - key: message_type
                    descriptors:
                      - key: campaign
                        rate_limit: {unit: day, requests_per_unit: 50}
                  - key: to_number
                    rate_limit: {unit: day, requests_per_unit: 100}
                """);
        assertThat(rpu(c, "messaging", "message_type", "marketing", "to_number", "2061111111")).isEqualTo(5);
        assertThat(rpu(c, "messaging", "to_number", "2061111111")).isEqualTo(100);
        assertThat(rpu(c, "messaging", "message_type", "transactional", "campaign", "c1")).isEqualTo(50);
        // message_type_marketing matched, so the key-only message_type (with campaign below it) is never tried
        assertThat(rule(c, "messaging", "message_type", "marketing", "campaign", "c1")).isEmpty();
        // a placeholder without a limit at the last entry
        assertThat(rule(c, "messaging", "message_type", "marketing")).isEmpty();
    }

    @Test
    void anEntryWithoutLimitWhitelists() {
        EnvoyConfig c = EnvoyConfig.parse("basic.yaml", """
                domain: test-domain
                descriptors:
                  - key: key2
                    rate_limit: {unit: minute, requests_per_unit: 20}
                  - key: key2
                    value: value3
                """);
        assertThat(rpu(c, "test-domain", "key2", "value2")).isEqualTo(20);
        assertThat(rule(c, "test-domain", "key2", "value3")).isEmpty();
    }

    @Test
    void wildcardsMatchAnywhereInFileOrderAndNeedTheWholeValue() {
        EnvoyConfig c = EnvoyConfig.parse("w.yaml", """
                domain: example9
                descriptors:
                  - key: path
                    value: /api/*/action
                    rate_limit: {unit: minute, requests_per_unit: 1}
                  - key: path
                    value: /api/*
                    rate_limit: {unit: minute, requests_per_unit: 2}
                  - key: route
                    value: /api/*/resource/*/action
                    rate_limit: {unit: minute, requests_per_unit: 3}
                  - key: foo
                    value: bar*b
                    rate_limit: {unit: minute, requests_per_unit: 4}
                  - key: empty
                    value: "*"
                    rate_limit: {unit: minute, requests_per_unit: 5}
                """);
        assertThat(rpu(c, "example9", "path", "/api/123/action")).isEqualTo(1);
        assertThat(rpu(c, "example9", "path", "/api/123/other")).isEqualTo(2);
        assertThat(rpu(c, "example9", "route", "/api/v1/resource/456/action")).isEqualTo(3);
        assertThat(rule(c, "example9", "route", "/api/v1/resource/456")).isEmpty();
        assertThat(rpu(c, "example9", "foo", "barb")).isEqualTo(4);
        assertThat(rpu(c, "example9", "foo", "barxxb")).isEqualTo(4);
        assertThat(rule(c, "example9", "foo", "xbarb")).isEmpty();
        // an empty request value looks up "key_" first, which "key_*" matches
        assertThat(rpu(c, "example9", "empty", "")).isEqualTo(5);
    }

    @Test
    void wildcardPatternMatchesLikeGo() {
        WildcardPattern p = WildcardPattern.of("k_a*b*c");
        assertThat(p.matches("k_abc")).isTrue();
        assertThat(p.matches("k_a1b2c")).isTrue();
        assertThat(p.matches("k_ac")).isFalse();
        assertThat(p.matches("k_abcx")).isFalse();
        // fixed parts may not overlap: "aba" holds head "ab" and tail "ba" only by sharing the "b"
        assertThat(WildcardPattern.of("ab*ba").matches("aba")).isFalse();
        assertThat(WildcardPattern.of("a*b*a").matches("aba")).isTrue();
        assertThat(WildcardPattern.of("a*b*a").matches("aa")).isFalse();
        assertThat(WildcardPattern.of("a*b*a").matches("abca")).isTrue();
    }

    @Test
    void shadowModeAndUnlimitedAreCarried() {
        EnvoyConfig c = EnvoyConfig.parse("e6.yaml", """
                domain: example6
                descriptors:
                  - key: service
                    descriptors:
                      - key: user
                        value: user-a
                        shadow_mode: true
                        rate_limit: {unit: second, requests_per_unit: 10}
                      - key: user
                        value: user-b
                        rate_limit: {unit: second, requests_per_unit: 20}
                  - key: ldap
                    rate_limit: {unlimited: true}
                """);
        assertThat(rule(c, "example6", "service", "auth-service", "user", "user-a").orElseThrow().shadowMode()).isTrue();
        assertThat(rule(c, "example6", "service", "auth-service", "user", "user-b").orElseThrow().shadowMode()).isFalse();
        RateLimitRule ldap = rule(c, "example6", "ldap", "x").orElseThrow();
        assertThat(ldap.kind()).isEqualTo(RateLimitRule.Kind.UNLIMITED);
        assertThat(ldap.spec()).isNull();
        assertThat(ldap.unit()).isNull();
    }

    @Test
    void replacesDropsTheReplacedRuleAcrossTheRequestsDescriptors() {
        EnvoyConfig c = EnvoyConfig.parse("e7.yaml", """
                domain: example7
                descriptors:
                  - key: key_1
                    value: value_1
                    descriptors:
                      - key: user
                        value: bkthomps
                        rate_limit: {name: specific_limit, requests_per_unit: 5, unit: second}
                  - key: key_2
                    value: value_2
                    descriptors:
                      - key: user
                        value: bkthomps
                        rate_limit:
                          replaces: [{name: specific_limit}]
                          requests_per_unit: 10
                          unit: second
                  - key: vip
                    rate_limit:
                      unlimited: true
                      name: vip
                      replaces: [{name: specific_limit}]
                """);
        List<DescriptorEntry> one = entries("key_1", "value_1", "user", "bkthomps");
        List<DescriptorEntry> two = entries("key_2", "value_2", "user", "bkthomps");
        assertThat(c.matchRequest("example7", List.of(one)).get(0).orElseThrow().rule().requestsPerUnit()).isEqualTo(5);
        List<Optional<DescriptorMatch>> both = c.matchRequest("example7", List.of(one, two));
        assertThat(both.get(0)).isEmpty();
        assertThat(both.get(1).orElseThrow().rule().requestsPerUnit()).isEqualTo(10);
        // an unlimited rule's replaces count too
        List<Optional<DescriptorMatch>> vip = c.matchRequest("example7", List.of(one, entries("vip", "x")));
        assertThat(vip.get(0)).isEmpty();
        assertThat(vip.get(1).orElseThrow().rule().kind()).isEqualTo(RateLimitRule.Kind.UNLIMITED);
        // match() alone does not apply replaces
        assertThat(c.match("example7", one)).isPresent();
    }

    @Test
    void unknownDomainMatchesNothing() {
        EnvoyConfig c = EnvoyConfig.parse("a.yaml", "domain: a\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, requests_per_unit: 1}\n");
        assertThat(c.hasDomain("foo")).isFalse();
        assertThat(c.match("foo", entries("k", "v"))).isEmpty();
        assertThat(c.matchRequest("foo", List.of(entries("k", "v")))).containsExactly(Optional.empty());
    }

    @Test
    void bucketKeysUseTheRequestValuesEscapedAndShareThresholdPatterns() {
        EnvoyConfig c = EnvoyConfig.parse("e11.yaml", """
                domain: example11
                descriptors:
                  - key: files
                    value: files/*
                    share_threshold: true
                    rate_limit: {unit: hour, requests_per_unit: 10}
                  - key: files_no_share
                    value: files_no_share/*
                    rate_limit: {unit: hour, requests_per_unit: 10}
                  - key: route
                    value: api/*
                    share_threshold: true
                    descriptors:
                      - key: method
                        rate_limit: {unit: minute, requests_per_unit: 60}
                  - key: user
                    rate_limit: {unit: minute, requests_per_unit: 60}
                """);
        String a = c.match("example11", entries("files", "files/a.pdf")).orElseThrow().bucketKey();
        String b = c.match("example11", entries("files", "files/b.csv")).orElseThrow().bucketKey();
        assertThat(a).isEqualTo(b).isEqualTo("envoy|example11|files|files:002f:002a");
        String na = c.match("example11", entries("files_no_share", "files_no_share/a.pdf")).orElseThrow().bucketKey();
        String nb = c.match("example11", entries("files_no_share", "files_no_share/b.csv")).orElseThrow().bucketKey();
        assertThat(na).isNotEqualTo(nb).isEqualTo("envoy|example11|files_no_share|files_no_share:002fa.pdf");
        // the shared pattern of an upper level applies to the limit below it
        assertThat(c.match("example11", entries("route", "api/v1", "method", "GET")).orElseThrow().bucketKey())
                .isEqualTo(c.match("example11", entries("route", "api/v2", "method", "GET")).orElseThrow().bucketKey())
                .isEqualTo("envoy|example11|route|api:002f:002a|method|GET");
        // key-only: one bucket per value; parts cannot run into each other
        assertThat(c.match("example11", entries("user", "a|b")).orElseThrow().bucketKey())
                .isEqualTo("envoy|example11|user|a:007cb");
        assertThat(c.match("example11", entries("user", "alice")).orElseThrow().bucketKey())
                .isEqualTo("envoy|example11|user|alice");
        assertThat(BucketKey.of("d", entries("a_b", "c"), null)).isNotEqualTo(BucketKey.of("d", entries("a", "b_c"), null));
        assertThat(BucketKey.of("d", entries("k", "é{}\n"), null)).isEqualTo("envoy|d|k|:00e9:007b:007d:000a");
    }

    @Test
    void statsNamesFollowValueToMetricAndDetailedMetricAsInExample10() {
        EnvoyConfig c = EnvoyConfig.parse("e10.yaml", """
                domain: example10
                descriptors:
                  - key: route
                    value_to_metric: true
                    descriptors:
                      - key: http_method
                        value_to_metric: true
                        descriptors:
                          - key: subject_id
                            rate_limit: {unit: minute, requests_per_unit: 60}
                  - key: plain
                    descriptors:
                      - key: id
                        rate_limit: {unit: minute, requests_per_unit: 1}
                  - key: files
                    value: files/*
                    share_threshold: true
                    value_to_metric: true
                    rate_limit: {unit: minute, requests_per_unit: 1}
                  - key: path
                    value: /api/*
                    value_to_metric: true
                    rate_limit: {unit: minute, requests_per_unit: 1}
                  - key: detail
                    value: fixed
                    descriptors:
                      - key: user
                        detailed_metric: true
                        rate_limit: {unit: minute, requests_per_unit: 1}
                """);
        assertThat(c.match("example10", entries("route", "api", "http_method", "GET", "subject_id", "123"))
                .orElseThrow().statsKey()).isEqualTo("example10.route_api.http_method_GET.subject_id");
        assertThat(c.match("example10", entries("plain", "x", "id", "7")).orElseThrow().statsKey())
                .isEqualTo("example10.plain.id");
        // a shared wildcard shows the pattern up to the '*'; an unshared one the full runtime value
        assertThat(c.match("example10", entries("files", "files/a.pdf")).orElseThrow().statsKey())
                .isEqualTo("example10.files_files/");
        assertThat(c.match("example10", entries("path", "/api/v1/x")).orElseThrow().statsKey())
                .isEqualTo("example10.path_/api/v1/x");
        // detailed_metric: every level's request value; a value written in the file is that value anyway
        assertThat(c.match("example10", entries("detail", "fixed", "user", "bob")).orElseThrow().statsKey())
                .isEqualTo("example10.detail_fixed.user_bob");
    }
}
