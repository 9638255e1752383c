package io.tollgate.spring;

import io.tollgate.spring.keysapp.KeysTestApplication;
import org.springframework.boot.test.context.SpringBootTest;

/** {@link KeysAndCountContract} through the WebFlux filter. */
@SpringBootTest(classes = KeysTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.main.web-application-type=reactive")
class ReactiveKeysAndCountTest extends KeysAndCountContract {
}
