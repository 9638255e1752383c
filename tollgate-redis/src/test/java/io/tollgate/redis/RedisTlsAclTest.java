package io.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.store.StoreUnavailableException;
import io.tollgate.testsupport.redis.RedisServer;
import io.tollgate.testsupport.redis.TlsCertificate;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** TLS-only server with a self-signed certificate and an ACL user; the default user is disabled. */
class RedisTlsAclTest {

    static final BucketSpec SPEC = BucketSpec.of(Limit.of(10, 1, RefillPeriod.MINUTE));
    static final String PASSWORD = "s3cret";
    static final String WRONG = "wr0ng-pw-XYZ";

    static TlsCertificate cert;
    static RedisServer server;

    @BeforeAll
    static void start() {
        cert = TlsCertificate.generate();
        server = RedisServer.startTls(cert, "--user", "default", "off", "--user", "alice", "on", ">" + PASSWORD, "~*",
                "+@all");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static RedisConnectionSettings settings(String scheme, String user, String password) {
        return RedisConnectionSettings.fromUrl(scheme + "://" + user + ":" + password + "@127.0.0.1:" + server.port()
                        + "?timeout=2s&connectTimeout=2s")
                .withTrustedCertificate(cert.certificatePem());
    }

    @Test
    void decisionsOverTlsWithAclUser() {
        RedisConnectionSettings s = settings("rediss", "alice", PASSWORD);
        assertThat(s.tls()).isTrue();
        assertThat(s.verifyPeer()).isTrue();
        assertThat(s.toString()).doesNotContain(PASSWORD).contains("user=alice").contains("tls");
        try (RedisBucketStore store = RedisBucketStore.connect(s)) {
            assertThat(store.describe()).doesNotContain(PASSWORD).contains("tls");
            for (int i = 1; i <= 10; i++) {
                Decision d = store.tryConsume("tls-client", SPEC, 1).toCompletableFuture().orTimeout(5,
                        TimeUnit.SECONDS).join();
                assertThat(d.allowed()).isTrue();
                assertThat(d.remaining()).isEqualTo(10 - i);
            }
            assertThat(store.tryConsume("tls-client", SPEC, 1).toCompletableFuture().join().allowed()).isFalse();
            store.ping().toCompletableFuture().orTimeout(5, TimeUnit.SECONDS).join();
        }
    }

    @Test
    void wrongPasswordFailsClearlyAndNeverShowsThePassword() {
        RedisConnectionSettings s = settings("rediss", "alice", WRONG);
        assertThat(s.toString()).doesNotContain(WRONG);
        String captured = captureOutput(() -> assertThatThrownBy(() -> RedisBucketStore.connect(s).close())
                .isInstanceOfSatisfying(StoreUnavailableException.class, e -> {
                    assertThat(e.getMessage()).contains("127.0.0.1:" + server.port()).doesNotContain(WRONG)
                            .doesNotContain(PASSWORD);
                    for (Throwable c = e; c != null; c = c.getCause()) {
                        assertThat(String.valueOf(c.getMessage())).doesNotContain(WRONG);
                        assertThat(String.valueOf(c)).doesNotContain(WRONG);
                    }
                }));
        assertThat(captured).doesNotContain(WRONG);
    }

    @Test
    void plainConnectionToTheTlsPortFailsCleanly() {
        RedisConnectionSettings s = RedisConnectionSettings.fromUrl("redis://alice:" + PASSWORD + "@127.0.0.1:"
                + server.port()).withConnectTimeout(Duration.ofSeconds(1));
        long start = System.nanoTime();
        assertThatThrownBy(() -> RedisBucketStore.connect(s).close())
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("127.0.0.1:" + server.port())
                .hasMessageNotContaining(PASSWORD);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(10_000);
    }

    @Test
    void certificateIsVerifiedByDefault() {
        // Same server, but without trusting its self-signed certificate: the handshake must be refused.
        RedisConnectionSettings s = RedisConnectionSettings.fromUrl("rediss://alice:" + PASSWORD + "@127.0.0.1:"
                + server.port()).withConnectTimeout(Duration.ofSeconds(2));
        assertThat(s.trustedCertificate()).isNull();
        assertThatThrownBy(() -> RedisBucketStore.connect(s).close())
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageNotContaining(PASSWORD);
    }

    /** Runs {@code r} with System.out and System.err (where slf4j-simple logs) copied into the returned text. */
    static String captureOutput(Runnable r) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream tee = new PrintStream(buf, true, StandardCharsets.UTF_8);
        System.setOut(tee);
        System.setErr(tee);
        try {
            r.run();
            Thread.sleep(200); // late log lines from Lettuce's I/O threads
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        String text = buf.toString(StandardCharsets.UTF_8);
        err.print(text); // keep it visible in the test output
        return text;
    }
}
