package io.tollgate.spring;

import io.tollgate.spring.keysapp.KeysTestApplication;
import org.springframework.boot.test.context.SpringBootTest;

/** {@link PrincipalKeysContract} through the WebFlux filters, the principal from {@code exchange.getPrincipal()}. */
@SpringBootTest(classes = KeysTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.main.web-application-type=reactive")
class ReactivePrincipalKeysTest extends PrincipalKeysContract {
}
