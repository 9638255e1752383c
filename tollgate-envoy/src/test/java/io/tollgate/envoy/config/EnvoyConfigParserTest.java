package io.tollgate.envoy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tollgate.core.rules.RulesFileException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What a file must look like: each rejection names file, descriptor, field and line, in Go's words. */
class EnvoyConfigParserTest {

    private static EnvoyConfigException reject(String yaml) {
        return catchThrowableOfType(EnvoyConfigException.class, () -> EnvoyConfigParser.parse("bad.yaml", yaml));
    }

    @Test
    void missingDomainIsRejected() {
        EnvoyConfigException e = reject("descriptors:\n  - key: a\n");
        assertThat(e.file()).isEqualTo("bad.yaml");
        assertThat(e.field()).isEqualTo("domain");
        assertThat(e.problem()).isEqualTo("config file cannot have empty domain");
        assertThat(e.getMessage()).startsWith("bad.yaml: field \"domain\"");
        assertThat(reject("").problem()).isEqualTo("config file cannot have empty domain");
        assertThat(reject("domain: ''\n").line()).isEqualTo(1);
    }

    @Test
    void emptyKeyNamesTheDescriptorPath() {
        EnvoyConfigException e = reject("""
                domain: test-domain
                descriptors:
                  - key: a
                    descriptors:
                      - key: b
                      - value: x
                        rate_limit: {unit: second, requests_per_unit: 1}
                """);
        assertThat(e.descriptorPath()).isEqualTo("descriptors[0].descriptors[1]");
        assertThat(e.rule()).isEqualTo("descriptors[0].descriptors[1]");
        assertThat(e.field()).isEqualTo("key");
        assertThat(e.line()).isEqualTo(6);
        assertThat(e.problem()).isEqualTo("descriptor has empty key");
        assertThat(e.getMessage()).isEqualTo(
                "bad.yaml: descriptor descriptors[0].descriptors[1], field \"key\", line 6: descriptor has empty key");
        assertThat(e).isInstanceOf(RulesFileException.class);
    }

    @Test
    void duplicateCompositeKeyAtOneLevelIsRejectedWithGoKeyChain() {
        EnvoyConfigException e = reject("""
                domain: test-domain
                descriptors:
                  - key: key1
                    value: value1
                    rate_limit: {unit: second, requests_per_unit: 1}
                  - key: key1
                    value: value1
                    rate_limit: {unit: minute, requests_per_unit: 2}
                """);
        assertThat(e.problem()).isEqualTo("duplicate descriptor composite key 'test-domain.key1_value1'");
        assertThat(e.descriptorPath()).isEqualTo("descriptors[1]");
        assertThat(e.keyChain()).isEqualTo("test-domain.key1_value1");
        assertThat(e.field()).isEqualTo("value");
        assertThat(e.line()).isEqualTo(6);
    }

    @Test
    void sameKeyWithAndWithoutValueAndAtOtherLevelsIsFine() {
        EnvoyDomain d = EnvoyConfigParser.parse("ok.yaml", """
                domain: test-domain
                descriptors:
                  - key: key1
                    rate_limit: {unit: second, requests_per_unit: 1}
                  - key: key1
                    value: value1
                    descriptors:
                      - key: key1
                        value: value1
                        rate_limit: {unit: second, requests_per_unit: 2}
                """);
        assertThat(d.root().children()).containsOnlyKeys("key1", "key1_value1");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "unit: foo                  | invalid rate limit unit 'foo'",
            "requests_per_unit: 5       | invalid rate limit unit ''",
            "unit: unknown              | invalid rate limit unit 'unknown'",
            "{unlimited: true, unit: day} | should not specify rate limit unit when unlimited"})
    void badUnitsAreRejected(String rateLimit, String message) {
        String rl = rateLimit.startsWith("{") ? rateLimit : "{" + rateLimit + "}";
        EnvoyConfigException e = reject("domain: d\ndescriptors:\n  - key: k\n    rate_limit: " + rl + "\n");
        assertThat(e.problem()).startsWith(message);
        assertThat(e.field()).isEqualTo("rate_limit.unit");
        assertThat(e.descriptorPath()).isEqualTo("descriptors[0]");
        assertThat(e.keyChain()).isEqualTo("d.k");
        assertThat(e.line()).isEqualTo(4);
    }

    @Test
    void unitsAreCaseInsensitiveAndUnlimitedIgnoresABadUnitLikeGo() {
        EnvoyDomain d = EnvoyConfigParser.parse("ok.yaml", """
                domain: d
                descriptors:
                  - key: a
                    rate_limit: {unit: SeCoNd, requests_per_unit: 1}
                  - key: b
                    rate_limit: {unit: foo, unlimited: true}
                """);
        assertThat(d.root().children().get("a").rule().unit()).isEqualTo(EnvoyUnit.SECOND);
        assertThat(d.root().children().get("b").rule().kind()).isEqualTo(RateLimitRule.Kind.UNLIMITED);
    }

    @Test
    void unknownKeysAreRejectedAtAnyDepth() {
        EnvoyConfigException top = reject("domain: d\nratelimit: 1\n");
        assertThat(top.problem()).startsWith("config error, unknown key 'ratelimit'");
        assertThat(top.field()).isEqualTo("ratelimit");
        assertThat(top.line()).isEqualTo(2);

        EnvoyConfigException deep = reject("""
                domain: d
                descriptors:
                  - key: k
                    rate_limit:
                      unit: second
                      requestsperunit: 5
                """);
        assertThat(deep.problem()).startsWith("config error, unknown key 'requestsperunit'");
        assertThat(deep.field()).isEqualTo("rate_limit.requestsperunit");
        assertThat(deep.descriptorPath()).isEqualTo("descriptors[0]");
        assertThat(deep.line()).isEqualTo(6);
    }

    @Test
    void aKnownKeyInTheWrongPlaceIsAcceptedAsInGo() {
        EnvoyDomain d = EnvoyConfigParser.parse("ok.yaml", """
                domain: d
                unit: second
                descriptors:
                  - key: k
                    requests_per_unit: 4
                """);
        assertThat(d.root().children().get("k").rule()).isNull();
    }

    @Test
    void replacesEntriesAreChecked() {
        EnvoyConfigException empty = reject("""
                domain: d
                descriptors:
                  - key: k
                    rate_limit:
                      unit: second
                      requests_per_unit: 5
                      replaces:
                        - name:
                """);
        assertThat(empty.problem()).isEqualTo("should not have an empty replaces entry");
        assertThat(empty.field()).isEqualTo("rate_limit.replaces[0].name");
        assertThat(empty.line()).isEqualTo(8);

        EnvoyConfigException self = reject("""
                domain: d
                descriptors:
                  - key: k
                    rate_limit:
                      name: mine
                      unit: second
                      requests_per_unit: 5
                      replaces: [{name: other}, {name: mine}]
                """);
        assertThat(self.problem()).isEqualTo("replaces should not contain name of same descriptor");
        assertThat(self.field()).isEqualTo("rate_limit.replaces[1].name");
    }

    @Test
    void shareThresholdNeedsAWildcard() {
        EnvoyConfigException e = reject("""
                domain: d
                descriptors:
                  - key: files
                    value: files/a
                    share_threshold: true
                    rate_limit: {unit: hour, requests_per_unit: 10}
                """);
        assertThat(e.problem()).startsWith("share_threshold can only be used with wildcard values")
                .contains("'files_files/a'");
        assertThat(e.field()).isEqualTo("share_threshold");
        assertThat(e.line()).isEqualTo(5);
    }

    @Test
    void listsOfNonMapsAndDecimalsAreRejectedAsInGo() {
        EnvoyConfigException list = reject("domain: d\ndescriptors:\n  - a\n");
        assertThat(list.problem()).isEqualTo("config error, yaml file contains list of type other than map: 'a'");
        assertThat(list.field()).isEqualTo("descriptors[0]");
        assertThat(list.line()).isEqualTo(3);

        EnvoyConfigException decimal = reject("""
                domain: d
                descriptors:
                  - key: k
                    rate_limit: {unit: second, requests_per_unit: 1.5}
                """);
        assertThat(decimal.problem()).startsWith("error checking config");
        assertThat(decimal.field()).isEqualTo("rate_limit.requests_per_unit");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "requests_per_unit: -1         | rate_limit.requests_per_unit | expected a whole number from 0 to 4294967295 but got '-1'",
            "requests_per_unit: 4294967296 | rate_limit.requests_per_unit | expected a whole number from 0 to 4294967295",
            "requests_per_unit: [1]        | rate_limit.requests_per_unit[0] | config error, yaml file contains list of type other than map: '1'",
            "requests_per_unit: [{}]       | rate_limit.requests_per_unit | expected a whole number from 0 to 4294967295 but got a list",
            "unlimited: 1                  | rate_limit.unlimited         | expected true or false but got '1'",
            "name: {a: b}                  | rate_limit.name.a            | config error, unknown key 'a'",
            "name: {name: b}               | rate_limit.name              | expected a string but got a mapping"})
    void wrongTypesAreRejected(String field, String path, String message) {
        EnvoyConfigException e = reject("domain: d\ndescriptors:\n  - key: k\n    rate_limit:\n      unit: second\n      "
                + field + "\n");
        assertThat(e.field()).isEqualTo(path);
        assertThat(e.problem()).startsWith(message);
        assertThat(e.line()).isEqualTo(6);
    }

    @Test
    void brokenYamlNamesTheLine() {
        EnvoyConfigException e = reject("domain: d\ndescriptors:\n  - key: [a\n    value: b\n");
        assertThat(e.problem()).startsWith("error loading config file: invalid YAML: ");
        assertThat(e.line()).isGreaterThanOrEqualTo(3);
        assertThat(e.getMessage()).startsWith("bad.yaml: line ");
    }

    @Test
    void aKeyTwiceInOneMappingAndASecondDocumentAreRejected() {
        EnvoyConfigException twice = reject("domain: d\ndomain: e\n");
        assertThat(twice.problem()).isEqualTo("key 'domain' appears twice in one mapping (first at line 1)");
        assertThat(twice.line()).isEqualTo(2);
        assertThat(reject("domain: d\n---\ndomain: e\n").problem()).startsWith("a second YAML document");
    }

    @Test
    void yamlOneOneScalarsAreReadAsYamlV2ReadsThem() {
        EnvoyDomain d = EnvoyConfigParser.parse("ok.yaml", """
                domain: d
                descriptors:
                  - key: k
                    value: 10
                    shadow_mode: yes
                    rate_limit: {unit: minute, requests_per_unit: 0x10}
                  - key: j
                    shadow_mode: Off
                    rate_limit: {unit: minute, requests_per_unit: 1_000}
                """);
        RateLimitRule k = d.root().children().get("k_10").rule();
        assertThat(k.shadowMode()).isTrue();
        assertThat(k.requestsPerUnit()).isEqualTo(16);
        RateLimitRule j = d.root().children().get("j").rule();
        assertThat(j.shadowMode()).isFalse();
        assertThat(j.requestsPerUnit()).isEqualTo(1000);
        assertThat(EnvoyConfigParser.goInteger("010")).isEqualTo(8);
        assertThat(EnvoyConfigParser.goInteger("0b101")).isEqualTo(5);
        assertThat(EnvoyConfigParser.goInteger("ten")).isNull();
    }

    @Test
    void everyFieldOfTheFormatIsRead() {
        EnvoyDomain d = EnvoyConfigParser.parse("ok.yaml", """
                domain: d
                descriptors:
                  - key: k
                    value: v*
                    shadow_mode: true
                    quota_mode: true
                    detailed_metric: true
                    value_to_metric: true
                    share_threshold: true
                    metadata:
                      team: payments
                      tiers: [1, 2.5, null]
                    rate_limit:
                      name: base
                      unit: day
                      requests_per_unit: 100
                      replaces: [{name: other}]
                """);
        RateLimitRule r = d.root().children().get("k_v*").rule();
        assertThat(r.name()).isEqualTo("base");
        assertThat(r.replaces()).containsExactly("other");
        assertThat(r.shadowMode()).isTrue();
        assertThat(r.quotaMode()).isTrue();
        assertThat(r.detailedMetric()).isTrue();
        assertThat(r.metadata()).containsEntry("team", "payments");
        assertThat(r.metadata().get("tiers")).isEqualTo(java.util.Arrays.asList(java.math.BigInteger.ONE, 2.5, null));
        assertThat(r.descriptorPath()).isEqualTo("descriptors[0]");
        assertThat(r.statsKey()).isEqualTo("d.k_v*");
        assertThat(d.root().children().get("k_v*").shareThreshold()).isTrue();
        assertThatThrownBy(() -> r.metadata().put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
        assertThat(Map.copyOf(r.metadata())).hasSize(2);
    }
}
