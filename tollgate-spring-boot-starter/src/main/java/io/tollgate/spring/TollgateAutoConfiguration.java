package io.tollgate.spring;

import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.core.headers.RateLimitHeaders;
import io.tollgate.core.identity.ClientAddressResolver;
import io.tollgate.core.identity.ClientKeyResolver;
import io.tollgate.core.identity.ClientKeys;
import io.tollgate.core.identity.ProxyAwareClientKeyResolver;
import io.tollgate.core.identity.TrustedProxies;
import io.tollgate.core.limiter.LimiterListener;
import io.tollgate.core.limiter.RateLimiter;
import io.tollgate.core.limiter.StoreChain;
import io.tollgate.core.rules.PathPattern;
import io.tollgate.core.rules.RuleSetSource;
import io.tollgate.core.rules.RulesFileException;
import io.tollgate.core.rules.RulesFileWatcher;
import io.tollgate.core.resilience.CircuitBreaker;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.InMemoryBucketStore;
import io.tollgate.core.store.MicrosClock;
import io.tollgate.core.store.StoreException;
import io.tollgate.redis.DeferredRedisStore;
import io.tollgate.redis.RedisBucketStore;
import io.tollgate.redis.RedisConnectionSettings;
import io.tollgate.spring.observe.DenialLog;
import io.tollgate.spring.observe.TollgateHealthIndicator;
import io.tollgate.spring.observe.TollgateMetrics;
import io.tollgate.spring.web.RequestGate;
import io.tollgate.spring.web.TollgateServletFilter;
import io.tollgate.spring.web.TollgateWebFilter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Auto-configuration of the Tollgate rate limiter. Every bean is {@code @ConditionalOnMissingBean}, so an application
 * replaces any part by declaring its own bean of that type. Bad {@code tollgate.*} values stop startup with a
 * {@link TollgateConfigurationException} naming the property.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"})
@ConditionalOnProperty(prefix = "tollgate", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(TollgateProperties.class)
public class TollgateAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(TollgateAutoConfiguration.class);

    /** Rules from the watched rules file, else from {@code tollgate.rules}, else the built-in 20 @ 5/s default. */
    @Bean
    @ConditionalOnMissingBean
    public RuleSetSource tollgateRuleSetSource(TollgateProperties props) {
        Duration interval = props.getReloadInterval();
        if (interval == null || interval.isNegative() || interval.isZero()) {
            throw new TollgateConfigurationException("tollgate.reload-interval", String.valueOf(interval),
                    "must be a positive duration such as 1s");
        }
        if (props.getRulesFile() != null) {
            try {
                return new RulesFileWatcher(props.getRulesFile(), interval);
            } catch (RulesFileException e) {
                throw new TollgateConfigurationException("tollgate.rules-file", props.getRulesFile().toString(),
                        e.getMessage(), e);
            }
        }
        if (props.getRules().isEmpty()) {
            log.info("No tollgate.rules-file or tollgate.rules configured; using the built-in default rule {}",
                    PropertiesRuleSet.BUILT_IN_DEFAULT);
        }
        return RuleSetSource.of(PropertiesRuleSet.build(props.getRules()));
    }

    /**
     * The store at the bottom of the chain: in-memory or Redis, per {@code tollgate.store}. An application's own
     * {@code BucketStore} bean replaces it and is still wrapped by {@link #tollgateStoreChain}. Spring closes it.
     */
    @Bean
    @ConditionalOnMissingBean
    public BucketStore tollgateBucketStore(TollgateProperties props) {
        RedisSettings.checkTimeouts(props.getRedis());
        boolean redis = switch (props.getStore()) {
            case REDIS -> true;
            case MEMORY -> false;
            case AUTO -> props.getRedis().isConfigured();
        };
        if (!redis) {
            int max = props.getMemory().getMaxBuckets();
            if (max < 1) {
                throw new TollgateConfigurationException("tollgate.memory.max-buckets", Integer.toString(max),
                        "must be at least 1");
            }
            log.warn("Tollgate uses the in-memory store: limits are per instance, not shared between instances"
                    + " (set tollgate.redis.url to share them)");
            return new InMemoryBucketStore(MicrosClock.MONOTONIC, max);
        }
        RedisConnectionSettings settings = RedisSettings.from(props.getRedis());
        try {
            return RedisBucketStore.connect(settings);
        } catch (StoreException e) {
            if (props.getRedis().isRequiredAtStartup()) {
                throw new TollgateConfigurationException("tollgate.redis", settings.describeNodes(),
                        "Redis is unreachable at startup (" + e.getMessage() + "). Start Redis, fix the address,"
                                + " or set tollgate.redis.required-at-startup=false to start anyway", e);
            }
            log.warn("Redis {} is unreachable at startup; starting anyway, failure policy {} decides until it is back",
                    settings.describeNodes(), props.getFailurePolicy().label());
            return new DeferredRedisStore(settings);
        }
    }

    /**
     * The layers around the store bean ({@link StoreChain} has their order and why). A shared store
     * ({@link BucketStore#distributed()}) gets the circuit breaker and the deny cache as {@code tollgate.breaker.*}
     * and {@code tollgate.deny-cache.*} say, and leases, which only rules with {@code lease} on enter. A local store
     * gets none: it answers in-process (nothing to break or lease), and the in-memory store may drop partly drained
     * buckets, which the deny cache's reasoning forbids. Closing the chain leaves the store bean to Spring.
     */
    @Bean
    @ConditionalOnMissingBean
    public StoreChain tollgateStoreChain(BucketStore store, TollgateProperties props) {
        StoreChain.Builder chain = StoreChain.around(store);
        if (!store.distributed()) {
            return chain.build();
        }
        TollgateProperties.Breaker b = props.getBreaker();
        if (b.isEnabled()) {
            if (b.getFailureThreshold() < 1) {
                throw new TollgateConfigurationException("tollgate.breaker.failure-threshold",
                        Integer.toString(b.getFailureThreshold()), "must be at least 1");
            }
            if (b.getCoolDown() == null || b.getCoolDown().isNegative() || b.getCoolDown().isZero()) {
                throw new TollgateConfigurationException("tollgate.breaker.cool-down", String.valueOf(b.getCoolDown()),
                        "must be a positive duration such as 2s");
            }
            chain.breaker(new CircuitBreaker("redis", b.getFailureThreshold(), b.getCoolDown(), MicrosClock.MONOTONIC,
                    CircuitBreaker.Listener.NONE));
        }
        TollgateProperties.DenyCache d = props.getDenyCache();
        if (d.isEnabled()) {
            if (d.getMaxEntries() < 1) {
                throw new TollgateConfigurationException("tollgate.deny-cache.max-entries",
                        Integer.toString(d.getMaxEntries()), "must be at least 1");
            }
            chain.denyCache(d.getMaxEntries());
        }
        return chain.leases().build();
    }

    @Bean
    @ConditionalOnMissingBean
    public RateLimiter tollgateRateLimiter(StoreChain chain, TollgateProperties props,
                                           ObjectProvider<LimiterListener> listeners) {
        if (props.getExpectedInstances() < 1) {
            throw new TollgateConfigurationException("tollgate.expected-instances",
                    Integer.toString(props.getExpectedInstances()), "must be at least 1");
        }
        List<LimiterListener> all = new ArrayList<>(listeners.orderedStream().toList());
        LimiterListener listener = all.isEmpty() ? LimiterListener.NONE : all.size() == 1 ? all.get(0)
                : verdict -> all.forEach(l -> l.onVerdict(verdict));
        return new RateLimiter(chain, props.getFailurePolicy(), props.getExpectedInstances(), listener,
                Duration.ofSeconds(10));
    }

    /** Client keys from the (proxy-resolved) client address and the rule's key source. */
    @Bean
    @ConditionalOnMissingBean
    public ClientKeyResolver tollgateClientKeyResolver(TollgateProperties props) {
        List<String> cidrs = props.getTrustedProxies();
        List<io.tollgate.core.identity.CidrRange> ranges = new ArrayList<>();
        for (int i = 0; i < cidrs.size(); i++) {
            try {
                ranges.add(io.tollgate.core.identity.CidrRange.parse(cidrs.get(i)));
            } catch (IllegalArgumentException e) {
                throw new TollgateConfigurationException("tollgate.trusted-proxies[" + i + "]", cidrs.get(i),
                        e.getMessage(), e);
            }
        }
        ClientKeys keys;
        try {
            keys = new ClientKeys(props.getClient().getIpv4Prefix(), props.getClient().getIpv6Prefix());
        } catch (IllegalArgumentException e) {
            boolean v4 = e.getMessage().startsWith("IPv4");
            throw new TollgateConfigurationException(v4 ? "tollgate.client.ipv4-prefix" : "tollgate.client.ipv6-prefix",
                    Integer.toString(v4 ? props.getClient().getIpv4Prefix() : props.getClient().getIpv6Prefix()),
                    e.getMessage(), e);
        }
        return new ProxyAwareClientKeyResolver(new ClientAddressResolver(TrustedProxies.of(ranges)), keys);
    }

    @Bean
    @ConditionalOnMissingBean
    public RateLimitHeaders tollgateRateLimitHeaders(TollgateProperties props) {
        return new RateLimitHeaders(props.getHeaders().isIetf(), props.getHeaders().isLegacy());
    }

    @Bean
    @ConditionalOnMissingBean
    public RequestGate tollgateRequestGate(RuleSetSource rules, ClientKeyResolver keys, RateLimiter limiter,
                                           RateLimitHeaders headers, TollgateProperties props) {
        List<PathPattern> exempt = new ArrayList<>();
        for (int i = 0; i < props.getExemptPaths().size(); i++) {
            exempt.add(PropertiesRuleSet.pattern("tollgate.exempt-paths[" + i + "]", props.getExemptPaths().get(i)));
        }
        return new RequestGate(rules, exempt, keys, limiter, headers);
    }

    /** Warms a shared store before the application serves (see {@link StoreWarmup}). */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "tollgate.redis", name = "warmup", havingValue = "true", matchIfMissing = true)
    public StoreWarmup tollgateStoreWarmup(ObjectProvider<BucketStore> store, ObjectProvider<RuleSetSource> rules) {
        return new StoreWarmup(store, rules);
    }

    @Bean
    @ConditionalOnMissingBean(DenialLog.class)
    @ConditionalOnProperty(prefix = "tollgate.log", name = "denials", havingValue = "true", matchIfMissing = true)
    public DenialLog tollgateDenialLog(TollgateProperties props) {
        return new DenialLog(props.getLog().isMaskKeys());
    }

    /** Metrics, when Micrometer is present and a registry exists. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    static class Metrics {

        @Bean
        @ConditionalOnMissingBean
        TollgateMetrics tollgateMetrics(ObjectProvider<MeterRegistry> registry, StoreChain chain) {
            MeterRegistry r = registry.getIfUnique();
            return r == null ? null : new TollgateMetrics(r, chain);
        }
    }

    /** The {@code tollgate} health contributor, when Spring Boot's health support is present. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    static class HealthContributor {

        @Bean
        @ConditionalOnMissingBean(name = "tollgateHealthIndicator")
        TollgateHealthIndicator tollgateHealthIndicator(StoreChain chain, TollgateProperties props) {
            // The store answers a ping within the overload timeout (a queue) plus the silence budget (a silent Redis).
            return new TollgateHealthIndicator(chain, RedisSettings.callBudget(props.getRedis()));
        }
    }

    /** WebFlux: a {@code WebFilter}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
    @ConditionalOnClass(name = "org.springframework.web.server.WebFilter")
    static class Reactive {

        @Bean
        @ConditionalOnMissingBean
        TollgateWebFilter tollgateWebFilter(RequestGate gate) {
            return new TollgateWebFilter(gate);
        }
    }

    /** Servlet: a filter registered at high precedence. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass(name = {"jakarta.servlet.Filter", "org.springframework.boot.web.servlet.FilterRegistrationBean"})
    static class Servlet {

        @Bean
        @ConditionalOnMissingBean(name = "tollgateServletFilter")
        FilterRegistrationBean<TollgateServletFilter> tollgateServletFilter(RequestGate gate, TollgateProperties props) {
            // A backstop only: the store answers within the overload timeout (plus the silence budget when Redis stops
            // answering at the end of it); this bounds the wait if that ever fails to fire.
            Duration maxWait = RedisSettings.callBudget(props.getRedis());
            FilterRegistrationBean<TollgateServletFilter> reg =
                    new FilterRegistrationBean<>(new TollgateServletFilter(gate, maxWait));
            reg.setName("tollgateServletFilter");
            reg.setOrder(TollgateWebFilter.ORDER);
            reg.addUrlPatterns("/*");
            return reg;
        }
    }
}
