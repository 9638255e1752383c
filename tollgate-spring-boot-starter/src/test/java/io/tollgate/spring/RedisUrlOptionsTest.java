package io.tollgate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.tollgate.core.limiter.Outcome;
import io.tollgate.core.limiter.RateLimiter;
import io.tollgate.core.limiter.Verdict;
import io.tollgate.core.rules.Rule;
import io.tollgate.core.rules.RuleSetSource;
import io.tollgate.testsupport.redis.RedisServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code tollgate.redis.url} query options reach the store against a real redis-server (the keys carry the URL's
 * prefix, a silent Redis is waited for the URL's timeout), unless the matching property is set.
 */
class RedisUrlOptionsTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(TollgateAutoConfigs.ALL)
            // practically no refill, so the bucket keys stay in Redis for the test to look at
            .withPropertyValues("tollgate.rules.default.capacity=20", "tollgate.rules.default.refill-rate=1",
                    "tollgate.rules.default.period=hour");

    @Test
    void theUrlsPrefixAndTimeoutApply() {
        try (RedisServer redis = RedisServer.start()) {
            runner.withPropertyValues("tollgate.redis.url=redis://" + redis.host() + ":" + redis.port()
                    + "?timeout=1500ms&prefix=myapp").run(ctx -> {
                assertThat(ctx).hasNotFailed();
                assertThat(check(ctx).outcome()).isEqualTo(Outcome.ALLOWED);
                assertThat(keys(redis, "myapp:*")).isNotEmpty();
                assertThat(keys(redis, "tollgate:*")).isEmpty();
                assertThat(RedisSettings.from(ctx.getBean(TollgateProperties.class).getRedis()).timeout())
                        .isEqualTo(Duration.ofMillis(1500));

                // A silent Redis is waited for the URL's 1500 ms, not the 100 ms default, before the call fails.
                redis.pause();
                try {
                    long start = System.nanoTime();
                    Verdict v = check(ctx);
                    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    assertThat(v.outcome()).isEqualTo(Outcome.ERROR);
                    assertThat(millis).as("waited for the URL's timeout").isGreaterThanOrEqualTo(1400);
                } finally {
                    redis.resume();
                }
            });
        }
    }

    @Test
    void aPropertyThatIsSetBeatsTheUrlOption() {
        try (RedisServer redis = RedisServer.start()) {
            runner.withPropertyValues("tollgate.redis.url=redis://" + redis.host() + ":" + redis.port()
                    + "?timeout=1500ms&prefix=myapp", "tollgate.redis.key-prefix=explicit",
                    "tollgate.redis.timeout=2s").run(ctx -> {
                assertThat(ctx).hasNotFailed();
                assertThat(check(ctx).outcome()).isEqualTo(Outcome.ALLOWED);
                assertThat(keys(redis, "explicit:*")).isNotEmpty();
                assertThat(keys(redis, "myapp:*")).isEmpty();
                assertThat(RedisSettings.from(ctx.getBean(TollgateProperties.class).getRedis()).timeout())
                        .isEqualTo(Duration.ofSeconds(2));
            });
        }
    }

    private static Verdict check(AssertableApplicationContext ctx) throws Exception {
        Rule rule = ctx.getBean(RuleSetSource.class).current().defaultRule().orElseThrow();
        return ctx.getBean(RateLimiter.class).check(rule, "ip:192.0.2.7").toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    private static List<String> keys(RedisServer redis, String pattern) {
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return c.sync().keys(pattern);
        } finally {
            client.shutdown();
        }
    }
}
