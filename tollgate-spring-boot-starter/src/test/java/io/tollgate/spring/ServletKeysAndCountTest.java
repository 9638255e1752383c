package io.tollgate.spring;

import io.tollgate.spring.keysapp.KeysTestApplication;
import org.springframework.boot.test.context.SpringBootTest;

/** {@link KeysAndCountContract} through the Servlet filter (Spring MVC on Tomcat), async responses included. */
@SpringBootTest(classes = KeysTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.main.web-application-type=servlet")
class ServletKeysAndCountTest extends KeysAndCountContract {
}
