package io.tollgate.spring;

import io.lettuce.core.resource.ClientResources;
import io.tollgate.core.rules.RuleSetSource;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.StoreException;
import io.tollgate.redis.DeferredRedisStore;
import io.tollgate.redis.RedisBucketStore;
import io.tollgate.redis.RedisConnectionSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

/**
 * The Redis store, when {@code tollgate.store=redis}, or {@code auto} (the default) with {@code tollgate.redis.url}
 * or {@code tollgate.redis.host} set.
 *
 * <p>Beans, each replaceable: the connection description ({@link RedisConnectionSettings}, from
 * {@code tollgate.redis.*}: URL options win unless a property is set); Lettuce {@link ClientResources}, the
 * application's when it has a bean (Spring Data Redis defines one; this runs after it), so the process runs one Netty
 * event-loop pool — the store adds its reply watch through {@link RedisBucketStore#sharing} — else ours, exposed as a
 * bean for the application to share; the store; and the warm-up.
 */
@AutoConfiguration(before = TollgateAutoConfiguration.class, afterName = {
        "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
        "org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration"})
@ConditionalOnClass({RedisBucketStore.class, ClientResources.class})
@ConditionalOnProperty(prefix = "tollgate", name = "enabled", havingValue = "true", matchIfMissing = true)
@Conditional(RedisStoreCondition.class)
@EnableConfigurationProperties(TollgateProperties.class)
public class TollgateRedisAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(TollgateRedisAutoConfiguration.class);

    /** Where Redis is and how to talk to it: the connection details, as one bean. */
    @Bean
    @ConditionalOnMissingBean
    public RedisConnectionSettings tollgateRedisConnectionSettings(TollgateProperties props) {
        return RedisSettings.from(props.getRedis());
    }

    /** Client resources with the reply watch, when the application has none of its own to share. */
    @Bean(destroyMethod = "shutdown")
    @ConditionalOnMissingBean
    public ClientResources tollgateClientResources() {
        return RedisBucketStore.newClientResources();
    }

    /**
     * The Redis store. Unreachable at startup: fails startup, or with {@code tollgate.redis.required-at-startup=false}
     * a store that connects in the background while the failure policy decides.
     */
    @Bean
    @ConditionalOnMissingBean
    public BucketStore tollgateBucketStore(RedisConnectionSettings settings, ClientResources resources,
                                           TollgateProperties props) {
        try {
            return RedisBucketStore.connect(settings, resources, null);
        } catch (StoreException e) {
            if (props.getRedis().isRequiredAtStartup()) {
                throw new TollgateConfigurationException("tollgate.redis", settings.describeNodes(),
                        "Redis is unreachable at startup (" + e.getMessage() + "). Start Redis, fix the address,"
                                + " or set tollgate.redis.required-at-startup=false to start anyway", e);
            }
            log.warn("Redis {} is unreachable at startup; starting anyway, failure policy {} decides until it is back",
                    settings.describeNodes(), props.getFailurePolicy().label());
            return new DeferredRedisStore(settings, DeferredRedisStore.DEFAULT_RETRY_EVERY,
                    io.tollgate.core.store.MicrosClock.MONOTONIC, s -> RedisBucketStore.connect(s, resources, null));
        }
    }

    /** Warms the store before the application serves (see {@link StoreWarmup}). */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "tollgate.redis", name = "warmup", havingValue = "true", matchIfMissing = true)
    public StoreWarmup tollgateStoreWarmup(ObjectProvider<BucketStore> store, ObjectProvider<RuleSetSource> rules) {
        return new StoreWarmup(store, rules);
    }
}
