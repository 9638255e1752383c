package io.tollgate.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The canonical-path rule on its own: what passes, what does not, and that odd input never throws. */
class CanonicalPathTest {

    @ParameterizedTest
    @ValueSource(strings = {"", "/", "/special_path", "/health", "/health/", "/health/tollgate", "/health/tollgate/",
            "/metrics", "/HEALTH", "/Health/Tollgate", "/x/y/z", "/...", "/.well-known", "/a.", "/a..b", "/..a",
            "/health/%C3%A9", "/health/é", "/%25", "/%252e%252e", "/%20", "/%00", "/a%2Db", "/%ff", "/%C0%AE%C0%AE"})
    void canonical(String path) {
        assertThat(CanonicalPath.isCanonical(path)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // dot segments, raw and encoded in any case
            "/.", "/..", "/health/..", "/health/../special_path", "/health/./tollgate", "/metrics/..", "/./x",
            "/health/%2e%2e/special_path", "/health/%2E%2E", "/health/.%2e", "/health/%2e", "/a%2e", "/%2e%2e",
            // empty segments
            "//", "//special_path", "/health//tollgate", "/health//", "/x///y",
            // matrix parameters, raw and encoded
            "/;", "/health;a=b", "/metrics;x", "/health;/../x", "/special_path;", "/health/tollgate;v=1", "/a%3Bb",
            // separators, raw and encoded
            "/health/%2F..", "/health/%2f", "/health/a%2Fb", "/health/tollgate%2F", "/health\\..", "/health/%5C..",
            "/health/%5ctollgate",
            // malformed escapes
            "/%", "/%z", "/%zz", "/health/%", "/health%2", "/a%g0", "/%%",
            // not a path
            "health", "..", "*", "x/health"})
    void notCanonical(String path) {
        assertThat(CanonicalPath.isCanonical(path)).isFalse();
    }

    @Test
    void nullIsNotCanonical() {
        assertThat(CanonicalPath.isCanonical(null)).isFalse();
    }

    @Test
    void longPathsAreDecidedWithoutTrouble() {
        String segments = "/abc".repeat(50_000);
        assertThat(CanonicalPath.isCanonical(segments)).isTrue();
        assertThat(CanonicalPath.isCanonical(segments + "/..")).isFalse();
        assertThat(CanonicalPath.isCanonical("/health" + "/..".repeat(50_000))).isFalse();
        assertThat(CanonicalPath.isCanonical("/" + "%".repeat(100_000))).isFalse();
        assertThat(CanonicalPath.isCanonical("/" + "é".repeat(100_000))).isTrue();
    }
}
