package io.tollgate.core.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PathPatternTest {

    @ParameterizedTest(name = "{0} vs {1} -> {2}")
    @CsvSource({
            // exact
            "/api, /api, true",
            "/api, /api/, true",
            "/api, /api/x, false",
            "/api, /apix, false",
            "/api/, /api, true",
            // root
            "/, /, true",
            "/, /x, false",
            // single star stays within one segment
            "/api/*, /api/users, true",
            "/api/*, /api/users/1, false",
            "/api/*, /api, false",
            "/api/*/orders, /api/7/orders, true",
            "/api/*/orders, /api/7/8/orders, false",
            "/api/v*, /api/v2, true",
            "/api/v*, /api/x2, false",
            "/*.json, /data.json, true",
            "/*.json, /data.xml, false",
            // double star at the end: zero or more segments
            "/api/**, /api, true",
            "/api/**, /api/, true",
            "/api/**, /api/v1/users/7, true",
            "/api/**, /apix, false",
            "/api/**, /other/api, false",
            // double star in the middle
            "/api/**/orders, /api/orders, true",
            "/api/**/orders, /api/v1/orders, true",
            "/api/**/orders, /api/v1/x/orders, true",
            "/api/**/orders, /api/v1/orders/7, false",
            "/**/health, /health, true",
            "/**/health, /a/b/health, true",
            "/**, /, true",
            "/**, /anything/at/all, true",
            // case-sensitive
            "/Api, /api, false",
    })
    void matches(String pattern, String path, boolean expected) {
        assertThat(PathPattern.of(pattern).matches(path)).isEqualTo(expected);
    }

    @Test
    void literalStarInPathDoesNotDefeatWildcard() {
        assertThat(PathPattern.of("/a*").matches("/a*b")).isTrue();
        assertThat(PathPattern.of("/*b").matches("/**b")).isTrue();
    }

    @Test
    void rejectsMalformedRequestPaths() {
        PathPattern p = PathPattern.of("/**");
        assertThat(p.matches(null)).isFalse();
        assertThat(p.matches("")).isFalse();
        assertThat(p.matches("api")).isFalse();
    }

    @Test
    void forRuleNameCoversTheNameAndBelow() {
        PathPattern p = PathPattern.forRuleName("special_path");
        assertThat(p.pattern()).isEqualTo("/special_path/**");
        assertThat(p.matches("/special_path")).isTrue();
        assertThat(p.matches("/special_path/")).isTrue();
        assertThat(p.matches("/special_path/x/y")).isTrue();
        assertThat(p.matches("/special_pathx")).isFalse();
        assertThat(p.matches("/other/special_path")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"api", "", "api/**", "/api/**x", "/a**/b", "/api//x", "//"})
    void rejectsBadPatterns(String pattern) {
        assertThatThrownBy(() -> PathPattern.of(pattern)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(pattern);
    }

    @Test
    @Timeout(5)
    void manyDoubleStarsStayFastOnLongPaths() {
        PathPattern p = PathPattern.of("/**/a/**/b/**/c/**/d/**/e");
        String path = "/x".repeat(2000) + "/a/b/c/d";
        assertThat(p.matches(path)).isFalse();
        assertThat(p.matches(path + "/e")).isTrue();
    }

    @Test
    void equalityIsByPatternText() {
        assertThat(PathPattern.of("/a/*")).isEqualTo(PathPattern.of("/a/*")).hasSameHashCodeAs(PathPattern.of("/a/*"));
        assertThat(PathPattern.of("/a/*")).isNotEqualTo(PathPattern.of("/a/**"));
    }
}
