package io.tollgate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.resource.ClientResources;
import io.tollgate.core.limiter.Outcome;
import io.tollgate.core.limiter.RateLimiter;
import io.tollgate.core.rules.Rule;
import io.tollgate.core.rules.RuleSetSource;
import io.tollgate.testsupport.redis.RedisServer;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * An application that uses Spring Data Redis too runs one Lettuce event-loop pool: Tollgate's store connects on Spring
 * Data's {@code ClientResources} bean instead of defining its own, and both work against a real redis-server.
 */
class SpringDataRedisSharingTest {

    /** Lettuce names its event-loop threads {@code lettuce-<transport>EventLoop-<pool>-<thread>}. */
    private static final Pattern EVENT_LOOP = Pattern.compile("lettuce-\\w+EventLoop-(\\d+)-\\d+");

    @Test
    void tollgateAndSpringDataShareOneEventLoopPool() {
        try (RedisServer redis = RedisServer.start()) {
            Set<String> poolsBefore = eventLoopPools();
            new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class))
                    .withConfiguration(TollgateAutoConfigs.ALL)
                    .withPropertyValues("spring.data.redis.host=" + redis.host(),
                            "spring.data.redis.port=" + redis.port(), "tollgate.redis.url=" + redis.url())
                    .run(ctx -> {
                        assertThat(ctx).hasNotFailed().hasSingleBean(ClientResources.class)
                                .hasBean("lettuceClientResources").doesNotHaveBean("tollgateClientResources");
                        StringRedisTemplate template = ctx.getBean(StringRedisTemplate.class);
                        template.opsForValue().set("spring-data", "yes");
                        assertThat(template.opsForValue().get("spring-data")).isEqualTo("yes");
                        Rule rule = ctx.getBean(RuleSetSource.class).current().defaultRule().orElseThrow();
                        assertThat(ctx.getBean(RateLimiter.class).check(rule, "ip:192.0.2.9").toCompletableFuture()
                                .get(5, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.ALLOWED);
                        assertThat(template.keys("tollgate:*")).isNotEmpty(); // the decision is in the same Redis

                        Set<String> pools = eventLoopPools();
                        pools.removeAll(poolsBefore);
                        assertThat(pools).as("Lettuce event-loop pools started by this context").hasSize(1);
                    });
        }
    }

    private static Set<String> eventLoopPools() {
        Set<String> pools = new TreeSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            Matcher m = EVENT_LOOP.matcher(t.getName());
            if (m.matches() && t.isAlive()) {
                pools.add(m.group(1));
            }
        }
        return pools;
    }
}
