package io.tollgate.spring;

import io.tollgate.spring.keysapp.KeysTestApplication;
import org.springframework.boot.test.context.SpringBootTest;

/** {@link PrincipalKeysContract} through the Servlet filters, the principal from {@code getUserPrincipal()}. */
@SpringBootTest(classes = KeysTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.main.web-application-type=servlet")
class ServletPrincipalKeysTest extends PrincipalKeysContract {
}
