package io.tollgate.spring;

import io.tollgate.spring.problemapp.ProblemTestApplication;
import org.springframework.boot.test.context.SpringBootTest;

/** {@link ProblemTypesContract} through the WebFlux filter. */
@SpringBootTest(classes = ProblemTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.main.web-application-type=reactive")
class ReactiveProblemTypesTest extends ProblemTypesContract {
}
