package io.tollgate.testsupport.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.testsupport.load.LoadOptions.BadOption;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class LoadOptionsTest {

    private static final String REQUIRED = "--targets http://127.0.0.1:1/a,http://localhost:2/b?x=1 --phase 20:500ms "
            + "--out s.txt";

    @Test
    void defaultsAndTheConnectionMapping() throws Exception {
        LoadOptions options = LoadOptions.parse((REQUIRED + " --phase=200:2m").split(" "));
        assertThat(options.identities()).isEqualTo(50);
        assertThat(options.timeoutNanos()).isEqualTo(10_000_000_000L);
        assertThat(options.maxRequests()).isEqualTo(5_000_000);
        assertThat(options.phases()).extracting(Phase::connections).containsExactly(20, 200);
        assertThat(options.totalNanos()).isEqualTo(500_000_000L + 120_000_000_000L);
        assertThat(options.targets().get(1).pathAndQuery()).isEqualTo("/b?x=1");
        assertThat(options.targets().get(1).hostHeader()).isEqualTo("localhost:2");
        // 200 connections, 50 identities, 2 targets: every identity has two connections on each target.
        assertThat(options.identityOf(0)).isZero();
        assertThat(options.identityOf(149)).isEqualTo(49);
        assertThat(options.targetOf(49)).isZero();
        assertThat(options.targetOf(50)).isEqualTo(1);
        assertThat(options.targetOf(100)).isZero();
        assertThat(options.targetOf(199)).isEqualTo(1);
    }

    @Test
    void anIdentityOffsetShiftsIdentitiesButNotTargets() throws Exception {
        LoadOptions options = LoadOptions.parse((REQUIRED + " --phase=200:2m --identity-offset 1000").split(" "));
        assertThat(options.identityOf(0)).isEqualTo(1000);
        assertThat(options.identityOf(149)).isEqualTo(1049);
        assertThat(options.targetOf(50)).isEqualTo(1);
    }

    @Test
    void requestsCarryTheIdentityAndExtraHeaders() throws Exception {
        LoadOptions options = LoadOptions.parse((REQUIRED + " --header X-Api-Key:k1 --identities 70000").split(" "));
        Target target = options.targets().get(0);
        String request = new String(RequestBytes.build(target, 65793, options.headers()), StandardCharsets.ISO_8859_1);
        assertThat(request).isEqualTo("GET /a HTTP/1.1\r\nHost: 127.0.0.1:1\r\nX-Forwarded-For: 10.1.1.1\r\n"
                + "X-Api-Key: k1\r\n\r\n");
        String withHost = new String(RequestBytes.build(target, 3, java.util.List.of("Host: api")),
                StandardCharsets.ISO_8859_1);
        assertThat(withHost).isEqualTo("GET /a HTTP/1.1\r\nX-Forwarded-For: 10.0.0.3\r\nHost: api\r\n\r\n");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--targets https://127.0.0.1:1/       | --targets: only http://",
        "--targets http://10.1.2.3:80/         | --targets: host must be a loopback address",
        "--targets http://127.0.0.1:99999/     | --targets: ",
        "--phase 20                            | --phase: expected CONNECTIONS:DURATION",
        "--phase 20:5                          | --phase: expected a duration",
        "--phase x:5s                          | --phase: connections must be a whole number",
        "--identities 0                        | --identities: must be 1..16777216",
        "--think -1                            | --think: must be 0..",
        "--max-requests lots                   | --max-requests: expected a whole number",
        "--timeout 0s                          | --timeout: duration must be positive",
        "--header NoColon                      | --header: expected NAME:VALUE",
        "--header Content-Length:5             | --header: Content-Length would break request framing",
        "--bogus 1                             | --bogus: unknown option",
        "--timeout                             | --timeout: needs a value",
    })
    void badOptionsNameTheOption(String extra, String message) {
        String[] args = (REQUIRED + " " + extra).split(" ");
        assertThatThrownBy(() -> LoadOptions.parse(args)).isInstanceOf(BadOption.class).hasMessageStartingWith(message);
    }

    @Test
    void requiredOptions() {
        assertThatThrownBy(() -> LoadOptions.parse("--phase 1:1s --out x".split(" "))).hasMessage("--targets: required");
        assertThatThrownBy(() -> LoadOptions.parse("--targets http://127.0.0.1:1/ --out x".split(" ")))
                .hasMessage("--phase: at least one is required");
        assertThatThrownBy(() -> LoadOptions.parse("--targets http://127.0.0.1:1/ --phase 1:1s".split(" ")))
                .hasMessage("--out: required");
    }
}
