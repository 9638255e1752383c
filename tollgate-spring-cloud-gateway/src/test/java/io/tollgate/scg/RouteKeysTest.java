package io.tollgate.scg;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.rules.Rule;
import org.junit.jupiter.api.Test;

class RouteKeysTest {

    @Test
    void aRouteIdThatIsAValidRuleNameIsItsOwnToken() {
        assertThat(RouteKeys.routeToken("login-route_v2.1")).isEqualTo("login-route_v2.1");
    }

    @Test
    void anyOtherRouteIdBecomesABoundedSafeTokenThatKeepsIdsApart() {
        String braces = RouteKeys.routeToken("shop {cart}");
        String slash = RouteKeys.routeToken("shop/{cart}");
        assertThat(braces).startsWith("shop__cart_-").matches(Rule.NAME_PATTERN);
        assertThat(slash).startsWith("shop__cart_-").matches(Rule.NAME_PATTERN).isNotEqualTo(braces);
        String longId = RouteKeys.routeToken("r".repeat(500));
        assertThat(longId).matches(Rule.NAME_PATTERN).hasSizeLessThanOrEqualTo(64);
        assertThat(RouteKeys.routeToken("")).startsWith("route-").matches(Rule.NAME_PATTERN);
        assertThat(RouteKeys.routeToken("shop {cart}")).isEqualTo(braces); // stable
    }

    @Test
    void theClientKeyHashesTheResolvedIdWhateverItIs() {
        String secret = "Bearer eyJhbGciOiJIUzI1NiJ9.secret";
        String key = RouteKeys.clientKey("api", secret);
        assertThat(key).matches("scg:api:hk:[A-Za-z0-9_-]{22}").doesNotContain("secret");
        assertThat(RouteKeys.clientKey("api", "x".repeat(100_000))).hasSize(key.length());
        assertThat(RouteKeys.clientKey("api", "alice")).isNotEqualTo(RouteKeys.clientKey("api", "bob"))
                .isNotEqualTo(RouteKeys.clientKey("web", "alice"));
        assertThat(RouteKeys.clientKey("api", "")).matches("scg:api:hk:[A-Za-z0-9_-]{22}");
    }
}
