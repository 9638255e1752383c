package io.tollgate.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.Principal;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/** Who a principal key sees, with Spring Security's anonymous token and as if Spring Security were absent. */
class PrincipalNamesTest {

    private static final AnonymousAuthenticationToken ANONYMOUS = new AnonymousAuthenticationToken("key",
            "anonymousUser", List.of(new SimpleGrantedAuthority("ROLE_ANONYMOUS")));

    @Test
    void anAuthenticatedUserIsTheirName() {
        assertThat(PrincipalNames.of(UsernamePasswordAuthenticationToken.authenticated("alice", "pw", List.of())))
                .isEqualTo("alice");
        Principal container = () -> "carol";
        assertThat(PrincipalNames.of(container)).isEqualTo("carol");
    }

    @Test
    void nobodyAnonymousOrBlankIsNoName() {
        assertThat(PrincipalNames.of(null)).isNull();
        assertThat(PrincipalNames.of(ANONYMOUS)).isNull();
        assertThat(PrincipalNames.of(() -> " ")).isNull();
        assertThat(PrincipalNames.of(() -> null)).isNull();
    }

    @Test
    void withoutSpringSecurityOnlyTheNameCounts() {
        PrincipalNames absent = new PrincipalNames("org.example.NoSuchAnonymousToken");
        assertThat(absent.nameOf(() -> "carol")).isEqualTo("carol");
        assertThat(absent.nameOf(null)).isNull();
        // nothing to recognise the token by: it is a principal like any other
        assertThat(absent.nameOf(ANONYMOUS)).isEqualTo("anonymousUser");
    }
}
