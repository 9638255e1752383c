package io.tollgate.spring;

import io.tollgate.core.headers.RateLimitHeaders;
import io.tollgate.core.identity.ClientKeyResolver;
import io.tollgate.core.limiter.LimiterListener;
import io.tollgate.core.limiter.RateLimiter;
import io.tollgate.core.limiter.StoreChain;
import io.tollgate.core.limiter.Tollgate;
import io.tollgate.core.rules.RuleSetSource;
import io.tollgate.core.store.BucketStore;
import io.tollgate.spring.observe.DenialLog;
import io.tollgate.spring.web.RequestGate;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The rate limiter: rules, the store chain, the limiter and what the web filters need (client keys, headers, the
 * request gate). The store is whatever {@code BucketStore} bean exists — the Redis store of
 * {@link TollgateRedisAutoConfiguration}, the application's own — else an in-memory one. Every bean is
 * {@code @ConditionalOnMissingBean}, so an application replaces any part by declaring its own bean of that type.
 * Bad {@code tollgate.*} values stop startup with a {@link TollgateConfigurationException} naming the property; the
 * checks live in {@link TollgateProperties}'s conversions.
 */
@AutoConfiguration(after = TollgateRedisAutoConfiguration.class)
@ConditionalOnProperty(prefix = "tollgate", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(TollgateProperties.class)
public class TollgateAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(TollgateAutoConfiguration.class);

    @Bean
    @ConditionalOnMissingBean
    public RuleSetSource tollgateRuleSetSource(TollgateProperties props) {
        if (props.getRulesFile() == null && props.getRules().isEmpty()) {
            log.info("No tollgate.rules-file or tollgate.rules configured; using the built-in default rule {}",
                    PropertiesRuleSet.BUILT_IN_DEFAULT);
        }
        return props.toRuleSetSource();
    }

    /** The in-memory store, when there is no other: per instance, bounded by {@code tollgate.memory.max-buckets}. */
    @Bean
    @ConditionalOnMissingBean
    public BucketStore tollgateBucketStore(TollgateProperties props) {
        RedisSettings.checkTimeouts(props.getRedis()); // they also bound the Servlet filter's wait and the health check
        BucketStore store = props.getMemory().toStore();
        log.warn("Tollgate uses the in-memory store: limits are per instance, not shared between instances"
                + " (set tollgate.redis.url to share them)");
        return store;
    }

    /**
     * The layers around the store bean ({@link StoreChain} has their order and why; {@link TollgateProperties} which
     * store gets which). An application's own {@code BucketStore} bean is wrapped too. Closing the chain leaves the
     * store bean to Spring.
     */
    @Bean
    @ConditionalOnMissingBean
    public StoreChain tollgateStoreChain(BucketStore store, TollgateProperties props) {
        return props.toStoreChain(store);
    }

    /** The limiter; every {@link LimiterListener} bean (metrics, denial log, the application's) hears each verdict. */
    @Bean
    @ConditionalOnMissingBean
    public RateLimiter tollgateRateLimiter(StoreChain chain, TollgateProperties props,
                                           ObjectProvider<LimiterListener> listeners) {
        List<LimiterListener> all = listeners.orderedStream().toList();
        LimiterListener listener = all.isEmpty() ? LimiterListener.NONE : all.size() == 1 ? all.get(0)
                : verdict -> all.forEach(l -> l.onVerdict(verdict));
        return props.toRateLimiter(chain, listener);
    }

    /**
     * The programmatic API ({@code tollgate.limiter("stripe-api").acquire(key, 1, Duration.ofSeconds(2))}) on the same
     * rules, store chain, failure policy and metrics as the web filters.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Tollgate tollgate(RateLimiter limiter, RuleSetSource rules) {
        return Tollgate.builder().limiter(limiter).rules(rules).build();
    }

    /** Client keys from the (proxy-resolved) client address and the rule's key source. */
    @Bean
    @ConditionalOnMissingBean
    public ClientKeyResolver tollgateClientKeyResolver(TollgateProperties props) {
        return props.toClientKeyResolver();
    }

    @Bean
    @ConditionalOnMissingBean
    public RateLimitHeaders tollgateRateLimitHeaders(TollgateProperties props) {
        return props.getHeaders().toRateLimitHeaders();
    }

    /** What both web filters ask: which rule, which client, and the verdict with its headers. */
    @Bean
    @ConditionalOnMissingBean
    public RequestGate tollgateRequestGate(RuleSetSource rules, ClientKeyResolver keys, RateLimiter limiter,
                                           RateLimitHeaders headers, TollgateProperties props) {
        return new RequestGate(rules, props.toExemptPatterns(), keys, limiter, headers);
    }

    @Bean
    @ConditionalOnMissingBean(DenialLog.class)
    @ConditionalOnProperty(prefix = "tollgate.log", name = "denials", havingValue = "true", matchIfMissing = true)
    public DenialLog tollgateDenialLog(TollgateProperties props) {
        return new DenialLog(props.getLog().isMaskKeys());
    }
}
