package io.tollgate.spring;

import io.tollgate.spring.problemapp.ProblemTestApplication;
import org.springframework.boot.test.context.SpringBootTest;

/** {@link ProblemTypesContract} through the Servlet filter. */
@SpringBootTest(classes = ProblemTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.main.web-application-type=servlet")
class ServletProblemTypesTest extends ProblemTypesContract {
}
