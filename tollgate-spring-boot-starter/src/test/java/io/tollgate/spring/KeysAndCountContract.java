package io.tollgate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.identity.ClientKeys;
import io.tollgate.spring.keysapp.RecordingStore;
import io.tollgate.testsupport.http.Http;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Query and path keys and counting after the response, end to end through a real server, once per web stack by its
 * subclasses, on {@link io.tollgate.spring.keysapp.KeysTestApplication} (whose clock stands still, so no token comes
 * back during a test). The rules come from a rules file; {@code PropertiesRulesTest} shows the properties give the
 * same rules.
 */
abstract class KeysAndCountContract {

    static final Path RULES;

    static {
        try {
            RULES = Files.createTempFile("tollgate-keys-rules", ".json");
            RULES.toFile().deleteOnExit();
            // the README's login rule, as it is there (ReadmeExamplesTest keeps the two equal), beside the others
            String login = Files.readString(Path.of("src/test/resources/readme/login-rules.json")).strip();
            Files.writeString(RULES, login.substring(0, login.length() - 1) + ",\n" + """
                      "async_login": {"match": {"paths": ["/async-login/**"]}, "capacity": 3, "refill_rate": 1,
                                      "period": "hour", "count": {"status": [401, 403]}},
                      "fail": {"capacity": 4, "refill_rate": 1, "period": "hour", "count": "failures"},
                      "q": {"capacity": 3, "refill_rate": 1, "period": "hour", "key": "query:api_key"},
                      "tenants": {"match": {"paths": ["/tenants/{tenant}/**"]}, "capacity": 3, "refill_rate": 1,
                                  "period": "hour", "key": "path:tenant"}
                    }
                    """);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void rulesFile(DynamicPropertyRegistry registry) {
        registry.add("tollgate.rules-file", RULES::toString);
    }

    @LocalServerPort
    int port;

    @Autowired
    RecordingStore store;

    @Test
    void tenFailedLoginsThenA429WhileSuccessfulLoginsTakeNothing() {
        Http http = new Http(port);
        String bucket = "login:ip:127.0.0.1";
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> ok = http.get("/login?password=right");
            assertThat(ok.statusCode()).isEqualTo(200);
            // the pre-check's headers: all 10 tokens are still there
            assertThat(Http.header(ok, "RateLimit")).isEqualTo("\"login\";r=10;t=0");
        }
        assertThat(store.takes(bucket)).isZero();
        for (int i = 1; i <= 10; i++) {
            HttpResponse<String> failed = http.get("/login?password=guess" + i);
            assertThat(failed.statusCode()).as("failed login %d", i).isEqualTo(401);
            // what the check saw: the failures before this one have taken a token each, one comes back every 6 min
            assertThat(Http.header(failed, "RateLimit")).isEqualTo("\"login\";r=" + (11 - i) + ";t=" + 360 * (i - 1));
            // the take follows the response; wait for it so the next check sees it on any machine
            assertThat(store.awaitTakes(bucket, i)).isTrue();
        }
        HttpResponse<String> blocked = http.get("/login?password=guess11");
        assertThat(blocked.statusCode()).isEqualTo(429);
        assertThat(Http.header(blocked, "Retry-After")).isEqualTo("360");
        assertThat(Http.header(blocked, "RateLimit")).isEqualTo("\"login\";r=0;t=360");
        assertThat(blocked.body()).contains("\"status\":429", "\"rule\":\"login\"");
        // the right password too: the bucket is empty, whoever asks from this address
        assertThat(http.get("/login?password=right").statusCode()).isEqualTo(429);
        assertThat(store.takes(bucket)).isEqualTo(10);
    }

    @Test
    void asyncResponsesAreCountedWhenTheyComplete() {
        Http http = new Http(port);
        String bucket = "async_login:ip:127.0.0.1";
        assertThat(http.get("/async-login?password=right").statusCode()).isEqualTo(200);
        for (int i = 1; i <= 3; i++) {
            assertThat(http.get("/async-login?password=no").statusCode()).isEqualTo(401);
            assertThat(store.awaitTakes(bucket, i)).isTrue();
        }
        assertThat(http.get("/async-login?password=right").statusCode()).isEqualTo(429);
    }

    @Test
    void failuresCountEvery4xxAnd5xxIncludingAThrowingHandler() {
        Http http = new Http(port);
        String bucket = "fail:ip:127.0.0.1";
        for (int status : new int[] {200, 204, 302, 200}) {
            assertThat(http.get("/fail/" + status).statusCode()).isEqualTo(status);
        }
        assertThat(store.takes(bucket)).isZero();
        assertThat(http.get("/fail/404").statusCode()).isEqualTo(404);
        assertThat(store.awaitTakes(bucket, 1)).isTrue();
        assertThat(http.get("/fail/503").statusCode()).isEqualTo(503);
        assertThat(store.awaitTakes(bucket, 2)).isTrue();
        assertThat(http.get("/fail/throw").statusCode()).isEqualTo(500);
        assertThat(store.awaitTakes(bucket, 3)).isTrue();
        assertThat(http.get("/fail/599").statusCode()).isEqualTo(599);
        assertThat(store.awaitTakes(bucket, 4)).isTrue();
        assertThat(http.get("/fail/200").statusCode()).isEqualTo(429);
    }

    @Test
    void queryKeysGiveEachValueItsBucketAndAnAbsentValueTheIpsBucket() {
        Http http = new Http(port);
        assertThat(http.allowedInARow(5, "/q/x?api_key=secret-alpha")).isEqualTo(3);
        assertThat(http.allowedInARow(5, "/q/x?other=1&api_key=secret-beta&api_key=ignored")).isEqualTo(3);
        // decoded before hashing: the same value spelled with escapes is the same bucket, already empty
        assertThat(http.get("/q/x?api_key=secret%2Dalpha").statusCode()).isEqualTo(429);
        // no parameter, or a blank one: the client IP's own bucket, as for a missing header
        assertThat(http.allowedInARow(5, "/q/x")).isEqualTo(3);
        assertThat(http.get("/q/x?api_key=").statusCode()).isEqualTo(429);
        assertThat(store.keys()).contains("q:" + ClientKeys.queryKey("api_key", "secret-alpha"),
                "q:" + ClientKeys.queryKey("api_key", "secret-beta"), "q:ip:127.0.0.1");
        assertThat(store.keys()).noneMatch(k -> k.contains("secret"));
    }

    @Test
    void pathKeysGiveEachVariableValueItsBucket() {
        Http http = new Http(port);
        assertThat(http.allowedInARow(5, "/tenants/acme/orders")).isEqualTo(3);
        assertThat(http.allowedInARow(5, "/tenants/globex")).isEqualTo(3);
        assertThat(http.get("/tenants/acme/invoices/7").statusCode()).isEqualTo(429);
        assertThat(store.keys()).contains("tenants:" + ClientKeys.pathKey("tenant", "acme"),
                "tenants:" + ClientKeys.pathKey("tenant", "globex"));
        assertThat(store.keys()).noneMatch(k -> k.contains("acme") || k.contains("globex"));
    }
}
