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

    @ParameterizedTest(name = "{0} vs {1} -> {2}")
    @CsvSource({
            "/users/{id}, /users/7, true",
            "/users/{id}, /users/7/, true",
            "/users/{id}, /users, false",
            "/users/{id}, /users/7/orders, false",
            "/users/{id}/**, /users/7/orders/3, true",
            "/users/{id}/**, /users/7, true",
            "/{tenant}/api/{version}, /acme/api/v2, true",
            "/{tenant}/api/{version}, /acme/api, false",
    })
    void aVariableMatchesOneWholeSegment(String pattern, String path, boolean expected) {
        assertThat(PathPattern.of(pattern).matches(path)).isEqualTo(expected);
    }

    @Test
    void variablesCaptureTheirSegment() {
        PathPattern p = PathPattern.of("/{tenant}/api/{version}/**");
        assertThat(p.variables()).containsExactly("tenant", "version");
        assertThat(p.variable("/acme/api/v2/orders/7", "tenant")).isEqualTo("acme");
        assertThat(p.variable("/acme/api/v2/orders/7", "version")).isEqualTo("v2");
        assertThat(p.variable("/acme/api/v2/", "version")).isEqualTo("v2");
        assertThat(p.variable("/acme/other/v2", "tenant")).as("no match, no value").isNull();
        assertThat(p.variable("/acme/api/v2", "user")).as("no such variable").isNull();
        assertThat(p.variable(null, "tenant")).isNull();
        assertThat(PathPattern.of("/a/*").variables()).isEmpty();
        // the value is the decoded segment as given, whatever it holds
        assertThat(PathPattern.of("/t/{t}").variable("/t/a b%2F\u00e9", "t")).isEqualTo("a b%2F\u00e9");
    }

    @Test
    void aVariableAfterADoubleStarTakesTheSegmentOfTheFirstMatch() {
        PathPattern p = PathPattern.of("/**/items/{id}/**");
        assertThat(p.variable("/a/items/1/items/2", "id")).isEqualTo("1");
        assertThat(p.variable("/items/9", "id")).isEqualTo("9");
        PathPattern twoStars = PathPattern.of("/**/x/**/{last}");
        assertThat(twoStars.variable("/x/a/b/c", "last")).isEqualTo("c");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/users/{id", "/users/id}", "/users/x{id}", "/users/{id}x", "/users/{}", "/users/{1id}",
            "/users/{a-b}", "/{a}/{a}"})
    void rejectsMalformedVariables(String pattern) {
        assertThatThrownBy(() -> PathPattern.of(pattern)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(pattern);
    }

    @Test
    void variableMessagesSayWhatIsWrong() {
        assertThatThrownBy(() -> PathPattern.of("/users/x{id}")).hasMessage("a path variable must be a whole segment"
                + " such as \"{id}\", named by a letter or '_' then letters, digits or '_', but got \"x{id}\" in"
                + " \"/users/x{id}\"");
        assertThatThrownBy(() -> PathPattern.of("/{a}/{a}"))
                .hasMessage("path variable \"a\" appears more than once in \"/{a}/{a}\"");
    }
}
