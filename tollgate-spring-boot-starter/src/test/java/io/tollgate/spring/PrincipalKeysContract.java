package io.tollgate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.identity.ClientKeys;
import io.tollgate.spring.keysapp.KeysTestApplication;
import io.tollgate.spring.keysapp.RecordingStore;
import io.tollgate.testsupport.http.Http;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code "key": "principal"} behind Spring Security (HTTP Basic, every path permitted), once per web stack by its
 * subclasses: each user has a bucket of their own, anonymous requests fall back to their IP's bucket, and the user
 * name never reaches the store. The rules are properties ({@link #RULES}).
 */
abstract class PrincipalKeysContract {

    /** Spring Security on (its auto-configuration is excluded for the other tests), and the rules. */
    static final String[] RULES = {
            "spring.autoconfigure.exclude=org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration,"
                    + "org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration,"
                    + "org.springframework.boot.data.redis.autoconfigure.DataRedisRepositoriesAutoConfiguration",
            "test.security=true",
            "tollgate.rules.who.capacity=3",
            "tollgate.rules.who.refill-rate=1",
            "tollgate.rules.who.period=hour",
            "tollgate.rules.who.key=principal",
            "tollgate.rules.guard.capacity=2",
            "tollgate.rules.guard.refill-rate=1",
            "tollgate.rules.guard.period=hour",
            "tollgate.rules.guard.key=principal",
            "tollgate.rules.guard.count=failures",
            "tollgate.rules.guard.paths=/fail/**",
    };

    @DynamicPropertySource
    static void rules(DynamicPropertyRegistry registry) {
        for (String p : RULES) {
            int eq = p.indexOf('=');
            registry.add(p.substring(0, eq), () -> p.substring(eq + 1));
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    RecordingStore store;

    static String[] basic(String user) {
        String token = Base64.getEncoder().encodeToString((user + ":" + KeysTestApplication.PASSWORD)
                .getBytes(StandardCharsets.UTF_8));
        return new String[] {"Authorization", "Basic " + token};
    }

    @Test
    void eachUserHasABucketAndAnonymousRequestsFallBackToTheirIp() {
        Http http = new Http(port);
        assertThat(http.allowedInARow(5, "/who/me", basic("alice"))).isEqualTo(3);
        assertThat(http.allowedInARow(5, "/who/me", basic("bob"))).isEqualTo(3);
        HttpResponse<String> anonymous = http.get("/who/me");
        assertThat(anonymous.statusCode()).isEqualTo(200);
        assertThat(Http.header(anonymous, "RateLimit")).isEqualTo("\"who\";r=2;t=3600");
        assertThat(http.allowedInARow(5, "/who/me")).isEqualTo(2);
        assertThat(http.get("/who/me", basic("alice")).statusCode()).isEqualTo(429);
        assertThat(store.keys()).contains("who:" + ClientKeys.principalKey("alice"),
                "who:" + ClientKeys.principalKey("bob"), "who:ip:127.0.0.1");
        assertThat(store.keys()).noneMatch(k -> k.contains("alice") || k.contains("bob"));
    }

    @Test
    void aPrincipalRuleCanCountFailuresPerUser() {
        Http http = new Http(port);
        String alice = "guard:" + ClientKeys.principalKey("alice");
        for (int i = 1; i <= 2; i++) {
            assertThat(http.get("/fail/403", basic("alice")).statusCode()).isEqualTo(403);
            assertThat(store.awaitTakes(alice, i)).isTrue();
        }
        assertThat(http.get("/fail/200", basic("alice")).statusCode()).isEqualTo(429);
        assertThat(http.get("/fail/200", basic("bob")).statusCode()).isEqualTo(200);
    }
}
