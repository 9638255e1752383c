package io.tollgate.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.spring.app.TestApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** A real SpringApplication with a bad value prints the failure analysis, not a stack trace. */
@ExtendWith(OutputCaptureExtension.class)
class StartupFailureReportTest {

    @Test
    void badCidrIsReportedByTheFailureAnalyzer(CapturedOutput output) {
        assertThatThrownBy(() -> new SpringApplicationBuilder(TestApplication.class)
                .properties("spring.main.web-application-type=none", "tollgate.trusted-proxies=10.0.0.0/33")
                .run()).hasRootCauseInstanceOf(IllegalArgumentException.class);
        assertThat(output).contains("APPLICATION FAILED TO START", "Property: tollgate.trusted-proxies[0]",
                "Value: 10.0.0.0/33", "Correct tollgate.trusted-proxies[0]");
    }
}
