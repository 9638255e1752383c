package io.tollgate.spring;

import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.headers.RateLimitHeaders;
import io.tollgate.core.identity.CidrRange;
import io.tollgate.core.identity.ClientAddressResolver;
import io.tollgate.core.identity.ClientKeyResolver;
import io.tollgate.core.identity.ClientKeys;
import io.tollgate.core.identity.ProxyAwareClientKeyResolver;
import io.tollgate.core.identity.TrustedProxies;
import io.tollgate.core.limiter.LimiterListener;
import io.tollgate.core.limiter.RateLimiter;
import io.tollgate.core.limiter.StoreChain;
import io.tollgate.core.resilience.CircuitBreaker;
import io.tollgate.core.rules.FailurePolicy;
import io.tollgate.core.rules.PathPattern;
import io.tollgate.core.rules.RuleMode;
import io.tollgate.core.rules.RuleSetSource;
import io.tollgate.core.rules.RulesFileException;
import io.tollgate.core.rules.RulesFileWatcher;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.InMemoryBucketStore;
import io.tollgate.core.store.MicrosClock;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of the Tollgate rate limiter, under {@code tollgate.*}. Values are checked when the application
 * starts; a bad one stops startup with a message naming the property (see {@link TollgateConfigurationException}).
 */
@ConfigurationProperties("tollgate")
public class TollgateProperties {

    /** Which store holds bucket state. */
    public enum StoreType {
        /** Redis when tollgate.redis.url or tollgate.redis.host is set, otherwise memory. */
        AUTO,
        /** In this JVM only: limits are per instance. */
        MEMORY,
        /** Redis, shared by every instance. */
        REDIS
    }

    /** Whether rate limiting is on. When false no Tollgate beans are created. */
    private boolean enabled = true;

    /** Path of a JSON rules file (rate_limits.json). Watched for changes; takes precedence over tollgate.rules. */
    private Path rulesFile;

    /**
     * Rules by name, used when no rules file is set. The rule named "default" applies to every request no other rule
     * matches. With neither rules nor a rules file, a single default rule of 20 tokens refilled at 5 per second
     * applies. Each rule takes capacity, refill-rate and period (or a limits list of them), paths, methods, key, cost,
     * count, mode, failure-policy and lease, and is checked exactly like a rule in the rules file, with the same
     * messages.
     */
    private Map<String, RuleProperties> rules = new LinkedHashMap<>();

    /** How often the rules file is checked for changes. */
    private Duration reloadInterval = Duration.ofSeconds(1);

    /**
     * Order of the second filter, which decides the rules keyed on "principal" once authentication has run; the first
     * filter, which decides every other rule, runs before almost everything else. Must be after Spring Security's
     * filter chain (-100 by default, spring.security.filter.order for Servlet applications).
     */
    private int principalFilterOrder = 0;

    /** Where bucket state lives: auto, memory or redis. */
    private StoreType store = StoreType.AUTO;

    /** Redis connection, used when the store is redis (or auto with a URL or host set). */
    private final Redis redis = new Redis();

    /**
     * Reverse proxies whose X-Forwarded-For and Forwarded headers are believed, as CIDR ranges (for example
     * 10.0.0.0/8 or ::1/128). Empty: the headers are ignored and the TCP peer is the client.
     */
    private List<String> trustedProxies = new ArrayList<>();

    /** How client addresses are grouped into keys. */
    private final Client client = new Client();

    /** Path patterns that are never limited ("*" within a segment, "**" across segments). */
    private List<String> exemptPaths = new ArrayList<>(List.of("/health", "/metrics", "/actuator/**"));

    /** Which rate-limit response headers are sent. */
    private final Headers headers = new Headers();

    /** The HTTP filters that apply the rules by path to every request. */
    private final Web web = new Web();

    /**
     * What a request gets when the store cannot decide in time: fail-open (the default: allowed, but each client at
     * most its own limit per instance, from a local bucket seeded with the store's last levels), fail-open-unbounded
     * (allow everything), fail-closed (503) or local (a local bucket with the limits divided by expected-instances).
     */
    private FailurePolicy failurePolicy = FailurePolicy.FAIL_OPEN;

    /** How many instances share the limits; the local failure policy divides limits by this. */
    private int expectedInstances = 1;

    /** Logging of denials. */
    private final Log log = new Log();

    /** In-memory store settings. */
    private final Memory memory = new Memory();

    /** Circuit breaker around the Redis store. */
    private final Breaker breaker = new Breaker();

    /** Local deny cache in front of the Redis store. */
    private final DenyCache denyCache = new DenyCache();

    /**
     * One rule configured through properties: the same fields, checks and messages as a rule in the rules file, with
     * property names in kebab case ({@code refill-rate}, {@code failure-policy}) and {@code match.paths} /
     * {@code match.methods} written as {@code paths} / {@code methods}.
     */
    public static class RuleProperties {

        /**
         * Burst size in whole tokens, at least 1. With refill-rate and period, the shorthand for a single limit; use
         * either these or limits, not both.
         */
        private Long capacity;

        /** Tokens added per period, greater than 0; may be fractional. Required with capacity. */
        private BigDecimal refillRate;

        /** Refill period of capacity and refill-rate: second, minute, hour, day, week (7 days), month (30) or year (365). Default second. */
        private RefillPeriod period;

        /**
         * Limits a request must all pass, such as a burst per second plus a quota per day. Instead of
         * capacity/refill-rate/period, not together with them.
         */
        private List<LimitProperties> limits = new ArrayList<>();

        /**
         * Path patterns this rule applies to. Empty: "/<rule-name>/**". Not allowed on the default rule, which matches
         * every path.
         */
        private List<String> paths = new ArrayList<>();

        /** HTTP methods (RFC 9110 tokens, any case) this rule applies to. Empty: all. Not allowed on the default rule. */
        private List<String> methods = new ArrayList<>();

        /**
         * Client key parts, in order, none repeated: "ip", "global", "principal" (the authenticated user),
         * "header:<Name>", "query:<name>" or "path:<variable>" (a {variable} of every path pattern of the rule). A part
         * the request lacks (missing header or parameter, anonymous user) falls back to the IP.
         */
        private List<String> key = new ArrayList<>(List.of("ip"));

        /** Tokens one request takes: at least 1 and at most the smallest capacity. */
        private long cost = 1;

        /**
         * Which responses take tokens, after the response: "failures" (every 4xx and 5xx) or count.status, a list of
         * status codes such as 401,403. Unset: every request takes tokens before it is served.
         */
        private CountProperties count;

        /** enforce (deny with 429) or shadow (count and report, never block). */
        private RuleMode mode = RuleMode.ENFORCE;

        /** Serve this rule from small batches of tokens leased from Redis (for hot shared keys such as a global limit). */
        private boolean lease;

        /** This rule's failure policy; unset means tollgate.failure-policy. */
        private FailurePolicy failurePolicy;

        public Long getCapacity() {
            return capacity;
        }

        public void setCapacity(Long capacity) {
            this.capacity = capacity;
        }

        public BigDecimal getRefillRate() {
            return refillRate;
        }

        public void setRefillRate(BigDecimal refillRate) {
            this.refillRate = refillRate;
        }

        public RefillPeriod getPeriod() {
            return period;
        }

        public void setPeriod(RefillPeriod period) {
            this.period = period;
        }

        public List<LimitProperties> getLimits() {
            return limits;
        }

        public void setLimits(List<LimitProperties> limits) {
            this.limits = limits;
        }

        public List<String> getPaths() {
            return paths;
        }

        public void setPaths(List<String> paths) {
            this.paths = paths;
        }

        public List<String> getMethods() {
            return methods;
        }

        public void setMethods(List<String> methods) {
            this.methods = methods;
        }

        public List<String> getKey() {
            return key;
        }

        public void setKey(List<String> key) {
            this.key = key;
        }

        public long getCost() {
            return cost;
        }

        public void setCost(long cost) {
            this.cost = cost;
        }

        public RuleMode getMode() {
            return mode;
        }

        public void setMode(RuleMode mode) {
            this.mode = mode;
        }

        public FailurePolicy getFailurePolicy() {
            return failurePolicy;
        }

        public CountProperties getCount() {
            return count;
        }

        public void setCount(CountProperties count) {
            this.count = count;
        }

        public boolean isLease() {
            return lease;
        }

        public void setLease(boolean lease) {
            this.lease = lease;
        }

        public void setFailurePolicy(FailurePolicy failurePolicy) {
            this.failurePolicy = failurePolicy;
        }
    }

    /**
     * A rule's {@code count}, in the rules file's two shapes: {@code tollgate.rules.<name>.count=failures} binds the
     * keyword (through {@link #valueOf}), {@code tollgate.rules.<name>.count.status=401,403} the list. The values are
     * checked by the rule's draft, like every other field.
     */
    public static class CountProperties {

        /** "failures" (every 4xx and 5xx response), set only by writing it as the value of count itself. */
        private String keyword;

        /** Status codes (100 to 599) whose responses take tokens. */
        private List<Integer> status = new ArrayList<>();

        /** The keyword form, {@code count=failures}; used by property binding. */
        public static CountProperties valueOf(String keyword) {
            CountProperties c = new CountProperties();
            c.keyword = keyword;
            return c;
        }

        public String getKeyword() {
            return keyword;
        }

        public List<Integer> getStatus() {
            return status;
        }

        public void setStatus(List<Integer> status) {
            this.status = status;
        }
    }

    /** One limit of a rule's limits list. */
    public static class LimitProperties {

        /** Burst size in whole tokens, at least 1. Required. */
        private Long capacity;

        /** Tokens added per period, greater than 0; may be fractional. Required. */
        private BigDecimal refillRate;

        /** Refill period: second, minute, hour, day, week (7 days), month (30) or year (365). Default second. */
        private RefillPeriod period;

        public Long getCapacity() {
            return capacity;
        }

        public void setCapacity(Long capacity) {
            this.capacity = capacity;
        }

        public BigDecimal getRefillRate() {
            return refillRate;
        }

        public void setRefillRate(BigDecimal refillRate) {
            this.refillRate = refillRate;
        }

        public RefillPeriod getPeriod() {
            return period;
        }

        public void setPeriod(RefillPeriod period) {
            this.period = period;
        }
    }

    /** Redis connection settings. */
    public static class Redis {

        /**
         * Redis URL: redis://[user:password@]host[:port][/db], rediss:// for TLS, redis-sentinel://...#master or
         * redis-cluster://host1,host2. Takes precedence over host/port. Its query options (timeout, connectTimeout,
         * overloadTimeout, prefix) apply unless the matching property below is set.
         */
        private String url;

        /** Redis host, when no URL is given. */
        private String host;

        /** Redis port. */
        private int port = 6379;

        /** Redis database index. */
        private int database = 0;

        /** Redis ACL user name. */
        private String username;

        /** Redis password. Never logged or shown in health output. */
        private String password;

        /** Whether to connect with TLS (host/port form; URLs use rediss://). */
        private boolean ssl = false;

        /**
         * How long Redis may stay silent after a rate-limit command was written to it before the call counts as a
         * Redis failure (the breaker counts it and the failure policy decides). Time spent waiting in this process
         * does not count. Unset (null): the URL's timeout option, else 100ms.
         */
        private Duration timeout;

        /**
         * Longest a rate-limit call may wait in total while Redis keeps answering (a queue in this process or in
         * Redis); past it the request is shed with 503. Never triggers the failure policy. Unset (null): the URL's
         * overloadTimeout option, else 2s, or the timeout if that is longer.
         */
        private Duration overloadTimeout;

        /** Time allowed to establish a connection. Unset (null): the URL's connectTimeout option, else 2s. */
        private Duration connectTimeout;

        /** Prefix of every Redis key Tollgate writes. Unset (null): the URL's prefix option, else "tollgate". */
        private String keyPrefix;

        /**
         * Whether startup fails when Redis cannot be reached. When false the application starts and the failure
         * policy decides until Redis is back.
         */
        private boolean requiredAtStartup = true;

        public String getUrl() {
            return url;
        }

        public void setUrl(String url) {
            this.url = url;
        }

        public String getHost() {
            return host;
        }

        public void setHost(String host) {
            this.host = host;
        }

        public int getPort() {
            return port;
        }

        public void setPort(int port) {
            this.port = port;
        }

        public int getDatabase() {
            return database;
        }

        public void setDatabase(int database) {
            this.database = database;
        }

        public String getUsername() {
            return username;
        }

        public void setUsername(String username) {
            this.username = username;
        }

        public String getPassword() {
            return password;
        }

        public void setPassword(String password) {
            this.password = password;
        }

        public boolean isSsl() {
            return ssl;
        }

        public void setSsl(boolean ssl) {
            this.ssl = ssl;
        }

        /** Null when not set; {@code RedisSettings} resolves the value in force. */
        public Duration getTimeout() {
            return timeout;
        }

        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }

        /** Null when not set; {@code RedisSettings} resolves the value in force. */
        public Duration getConnectTimeout() {
            return connectTimeout;
        }

        /** Null when not set; {@code RedisSettings} resolves the value in force. */
        public Duration getOverloadTimeout() {
            return overloadTimeout;
        }

        public void setOverloadTimeout(Duration overloadTimeout) {
            this.overloadTimeout = overloadTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        /** Null when not set; {@code RedisSettings} resolves the value in force. */
        public String getKeyPrefix() {
            return keyPrefix;
        }

        public void setKeyPrefix(String keyPrefix) {
            this.keyPrefix = keyPrefix;
        }

        public boolean isRequiredAtStartup() {
            return requiredAtStartup;
        }

        public void setRequiredAtStartup(boolean requiredAtStartup) {
            this.requiredAtStartup = requiredAtStartup;
        }

        /** True when a URL or host is configured. */
        public boolean isConfigured() {
            return (url != null && !url.isBlank()) || (host != null && !host.isBlank());
        }
    }

    /** Grouping of client addresses. */
    public static class Client {

        /** Prefix length IPv4 clients are grouped by (32: each address is its own client). */
        private int ipv4Prefix = 32;

        /** Prefix length IPv6 clients are grouped by (64: one subscriber's network). */
        private int ipv6Prefix = 64;

        public int getIpv4Prefix() {
            return ipv4Prefix;
        }

        public void setIpv4Prefix(int ipv4Prefix) {
            this.ipv4Prefix = ipv4Prefix;
        }

        public int getIpv6Prefix() {
            return ipv6Prefix;
        }

        public void setIpv6Prefix(int ipv6Prefix) {
            this.ipv6Prefix = ipv6Prefix;
        }

        /** The client keys these prefixes group addresses into. */
        ClientKeys toClientKeys() {
            try {
                return new ClientKeys(ipv4Prefix, ipv6Prefix);
            } catch (IllegalArgumentException e) {
                boolean v4 = e.getMessage().startsWith("IPv4");
                throw new TollgateConfigurationException(v4 ? "tollgate.client.ipv4-prefix" : "tollgate.client.ipv6-prefix",
                        Integer.toString(v4 ? ipv4Prefix : ipv6Prefix), e.getMessage(), e);
            }
        }
    }

    /** Response headers. */
    public static class Headers {

        /** Whether to send the IETF RateLimit and RateLimit-Policy headers. */
        private boolean ietf = true;

        /** Whether to send X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset. */
        private boolean legacy = true;

        public boolean isIetf() {
            return ietf;
        }

        public void setIetf(boolean ietf) {
            this.ietf = ietf;
        }

        public boolean isLegacy() {
            return legacy;
        }

        public void setLegacy(boolean legacy) {
            this.legacy = legacy;
        }

        RateLimitHeaders toRateLimitHeaders() {
            return new RateLimitHeaders(ietf, legacy);
        }
    }

    /** The HTTP filters: the WebFlux {@code WebFilter}s or the Servlet filter registrations. */
    public static class Web {

        /**
         * Whether the HTTP filters that apply the rules by path to every request are installed (WebFlux or Servlet).
         * When false, the limiter, the programmatic API, @RateLimited, metrics and health stay. Default true, except
         * in a gateway with tollgate-spring-cloud-gateway, where routes are limited by their RequestRateLimiter.
         */
        private boolean enabled = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /** Denial logging. */
    public static class Log {

        /** Whether denied requests are logged (at most one line per second, with a count of the others). */
        private boolean denials = true;

        /** Whether client keys in logs are replaced by a short hash. */
        private boolean maskKeys = false;

        public boolean isDenials() {
            return denials;
        }

        public void setDenials(boolean denials) {
            this.denials = denials;
        }

        public boolean isMaskKeys() {
            return maskKeys;
        }

        public void setMaskKeys(boolean maskKeys) {
            this.maskKeys = maskKeys;
        }
    }

    /** In-memory store. */
    public static class Memory {

        /** Most buckets held; beyond it the buckets closest to full are dropped. */
        private int maxBuckets = 1_000_000;

        public int getMaxBuckets() {
            return maxBuckets;
        }

        public void setMaxBuckets(int maxBuckets) {
            this.maxBuckets = maxBuckets;
        }

        /** An in-memory store holding at most {@code max-buckets} buckets, on the monotonic clock. */
        InMemoryBucketStore toStore() {
            if (maxBuckets < 1) {
                throw new TollgateConfigurationException("tollgate.memory.max-buckets", Integer.toString(maxBuckets),
                        "must be at least 1");
            }
            return new InMemoryBucketStore(MicrosClock.MONOTONIC, maxBuckets);
        }
    }

    /** Circuit breaker around the Redis store: after repeated failures, stop calling Redis for a cool-down. */
    public static class Breaker {

        /** Whether the breaker is used (Redis store only). */
        private boolean enabled = true;

        /** Consecutive failures or timeouts that open the breaker. */
        private int failureThreshold = 5;

        /** How long an open breaker fails fast before letting one probe call through. */
        private Duration coolDown = Duration.ofSeconds(2);

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public int getFailureThreshold() {
            return failureThreshold;
        }

        public void setFailureThreshold(int failureThreshold) {
            this.failureThreshold = failureThreshold;
        }

        public Duration getCoolDown() {
            return coolDown;
        }

        public void setCoolDown(Duration coolDown) {
            this.coolDown = coolDown;
        }

        /** The breaker these properties describe, or {@code null} when it is off. */
        CircuitBreaker toCircuitBreaker(String name) {
            if (!enabled) {
                return null;
            }
            if (failureThreshold < 1) {
                throw new TollgateConfigurationException("tollgate.breaker.failure-threshold",
                        Integer.toString(failureThreshold), "must be at least 1");
            }
            if (coolDown == null || coolDown.isNegative() || coolDown.isZero()) {
                throw new TollgateConfigurationException("tollgate.breaker.cool-down", String.valueOf(coolDown),
                        "must be a positive duration such as 2s");
            }
            return new CircuitBreaker(name, failureThreshold, coolDown, MicrosClock.MONOTONIC,
                    CircuitBreaker.Listener.NONE);
        }
    }

    /**
     * Local deny cache: a client denied with a provable wait is denied again locally, without a Redis call, until the
     * tokens it needs could exist. Exact, never an approximation (see {@code DenyCachingBucketStore}).
     */
    public static class DenyCache {

        /** Whether the deny cache is used (Redis store only). */
        private boolean enabled = true;

        /** Most cached denials held; beyond it expired entries, then arbitrary ones, are dropped. */
        private int maxEntries = 100_000;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public int getMaxEntries() {
            return maxEntries;
        }

        public void setMaxEntries(int maxEntries) {
            this.maxEntries = maxEntries;
        }

        /** Checked {@code max-entries}. */
        int checkedMaxEntries() {
            if (maxEntries < 1) {
                throw new TollgateConfigurationException("tollgate.deny-cache.max-entries", Integer.toString(maxEntries),
                        "must be at least 1");
            }
            return maxEntries;
        }
    }

    public Breaker getBreaker() {
        return breaker;
    }

    public DenyCache getDenyCache() {
        return denyCache;
    }

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Path getRulesFile() {
        return rulesFile;
    }

    public void setRulesFile(Path rulesFile) {
        this.rulesFile = rulesFile;
    }

    public Map<String, RuleProperties> getRules() {
        return rules;
    }

    public void setRules(Map<String, RuleProperties> rules) {
        this.rules = rules;
    }

    public int getPrincipalFilterOrder() {
        return principalFilterOrder;
    }

    public void setPrincipalFilterOrder(int principalFilterOrder) {
        this.principalFilterOrder = principalFilterOrder;
    }

    public Duration getReloadInterval() {
        return reloadInterval;
    }

    public void setReloadInterval(Duration reloadInterval) {
        this.reloadInterval = reloadInterval;
    }

    public StoreType getStore() {
        return store;
    }

    public void setStore(StoreType store) {
        this.store = store;
    }

    public Redis getRedis() {
        return redis;
    }

    public List<String> getTrustedProxies() {
        return trustedProxies;
    }

    public void setTrustedProxies(List<String> trustedProxies) {
        this.trustedProxies = trustedProxies;
    }

    public Client getClient() {
        return client;
    }

    public List<String> getExemptPaths() {
        return exemptPaths;
    }

    public void setExemptPaths(List<String> exemptPaths) {
        this.exemptPaths = exemptPaths;
    }

    public Headers getHeaders() {
        return headers;
    }

    public Web getWeb() {
        return web;
    }

    public FailurePolicy getFailurePolicy() {
        return failurePolicy;
    }

    public void setFailurePolicy(FailurePolicy failurePolicy) {
        this.failurePolicy = failurePolicy;
    }

    public int getExpectedInstances() {
        return expectedInstances;
    }

    public void setExpectedInstances(int expectedInstances) {
        this.expectedInstances = expectedInstances;
    }

    public Log getLog() {
        return log;
    }

    public Memory getMemory() {
        return memory;
    }

    // Conversions to the core's configuration. Each checks what it converts and names the property on a problem.

    /** Rules from the watched rules file, else from {@code tollgate.rules}, else the built-in 20 @ 5/s default. */
    RuleSetSource toRuleSetSource() {
        if (reloadInterval == null || reloadInterval.isNegative() || reloadInterval.isZero()) {
            throw new TollgateConfigurationException("tollgate.reload-interval", String.valueOf(reloadInterval),
                    "must be a positive duration such as 1s");
        }
        if (rulesFile != null) {
            try {
                return new RulesFileWatcher(rulesFile, reloadInterval);
            } catch (RulesFileException e) {
                throw new TollgateConfigurationException("tollgate.rules-file", rulesFile.toString(), e.getMessage(), e);
            }
        }
        return RuleSetSource.of(PropertiesRuleSet.build(rules));
    }

    /**
     * The layers around {@code store} (see {@link StoreChain}). A shared store ({@link BucketStore#distributed()}) gets
     * the circuit breaker and the deny cache as {@code tollgate.breaker.*} and {@code tollgate.deny-cache.*} say, and
     * leases, which only rules with {@code lease} on enter. A local store gets none: it answers in-process (nothing to
     * break or lease), and the in-memory store may drop partly drained buckets, which the deny cache's proof forbids.
     */
    StoreChain toStoreChain(BucketStore store) {
        StoreChain.Builder chain = StoreChain.around(store);
        if (!store.distributed()) {
            return chain.build();
        }
        CircuitBreaker b = breaker.toCircuitBreaker("redis");
        if (b != null) {
            chain.breaker(b);
        }
        if (denyCache.isEnabled()) {
            chain.denyCache(denyCache.checkedMaxEntries());
        }
        return chain.leases().build();
    }

    /** The limiter over {@code chain} with the default failure policy and the expected instance count. */
    RateLimiter toRateLimiter(StoreChain chain, LimiterListener listener) {
        if (expectedInstances < 1) {
            throw new TollgateConfigurationException("tollgate.expected-instances", Integer.toString(expectedInstances),
                    "must be at least 1");
        }
        return new RateLimiter(chain, failurePolicy, expectedInstances, listener, Duration.ofSeconds(10));
    }

    /** Client keys from the client address, resolved through {@code trusted-proxies}, grouped per {@code client.*}. */
    ClientKeyResolver toClientKeyResolver() {
        List<CidrRange> ranges = new ArrayList<>();
        for (int i = 0; i < trustedProxies.size(); i++) {
            try {
                ranges.add(CidrRange.parse(trustedProxies.get(i)));
            } catch (IllegalArgumentException e) {
                throw new TollgateConfigurationException("tollgate.trusted-proxies[" + i + "]", trustedProxies.get(i),
                        e.getMessage(), e);
            }
        }
        return new ProxyAwareClientKeyResolver(new ClientAddressResolver(TrustedProxies.of(ranges)),
                client.toClientKeys());
    }

    /** The parsed {@code exempt-paths}. */
    List<PathPattern> toExemptPatterns() {
        List<PathPattern> exempt = new ArrayList<>();
        for (int i = 0; i < exemptPaths.size(); i++) {
            exempt.add(PropertiesRuleSet.pattern("tollgate.exempt-paths[" + i + "]", exemptPaths.get(i)));
        }
        return exempt;
    }
}
