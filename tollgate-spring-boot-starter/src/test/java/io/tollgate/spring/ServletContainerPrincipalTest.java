package io.tollgate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.identity.ClientKeys;
import io.tollgate.spring.keysapp.KeysTestApplication;
import io.tollgate.spring.keysapp.RecordingStore;
import io.tollgate.testsupport.http.Http;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;

/**
 * {@code "key": "principal"} in a Servlet application without Spring Security's filter chain: the principal is
 * whatever {@code getUserPrincipal()} returns, here set by a filter that stands in for the container's own
 * authentication ({@link KeysTestApplication#CONTAINER_USER}).
 */
@SpringBootTest(classes = KeysTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "spring.main.web-application-type=servlet",
                "tollgate.rules.who.capacity=3",
                "tollgate.rules.who.refill-rate=1",
                "tollgate.rules.who.period=hour",
                "tollgate.rules.who.key=principal,ip",
        })
class ServletContainerPrincipalTest {

    @LocalServerPort
    int port;

    @Autowired
    RecordingStore store;

    @Autowired
    FilterRegistrationBean<?> tollgateServletFilter;

    @Autowired
    FilterRegistrationBean<?> tollgatePrincipalServletFilter;

    @Test
    void principalRulesAreDecidedByTheSecondFilterAfterSpringSecuritysOrder() {
        assertThat(tollgateServletFilter.getOrder()).isLessThan(-100);
        assertThat(tollgatePrincipalServletFilter.getOrder()).isEqualTo(0).isGreaterThan(-100);
    }

    @Test
    void theContainersPrincipalKeysTheBucket() {
        Http http = new Http(port);
        String user = KeysTestApplication.CONTAINER_USER;
        assertThat(http.allowedInARow(5, "/who", user, "carol")).isEqualTo(3);
        assertThat(http.allowedInARow(5, "/who", user, "dave")).isEqualTo(3);
        assertThat(http.allowedInARow(5, "/who")).isEqualTo(3); // nobody: the IP twice
        assertThat(http.get("/who", user, " ").statusCode()).isEqualTo(429); // a blank name is nobody too
        assertThat(store.keys()).containsExactlyInAnyOrder("who:" + ClientKeys.principalKey("carol") + "|ip:127.0.0.1",
                "who:" + ClientKeys.principalKey("dave") + "|ip:127.0.0.1", "who:ip:127.0.0.1|ip:127.0.0.1");
    }
}
