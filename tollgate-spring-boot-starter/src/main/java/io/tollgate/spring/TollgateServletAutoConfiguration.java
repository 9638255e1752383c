package io.tollgate.spring;

import io.tollgate.spring.web.RequestGate;
import io.tollgate.spring.web.TollgatePrincipalServletFilter;
import io.tollgate.spring.web.TollgateServletFilter;
import io.tollgate.spring.web.TollgateWebFilter;
import io.tollgate.redis.RedisConnectionSettings;
import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;

/**
 * Servlet: the rate-limiting filter, registered for every path at high precedence, and a second one after
 * authentication ({@code tollgate.principal-filter-order}) for the rules keyed on the principal.
 * {@code tollgate.web.enabled=false} leaves them out, and nothing else.
 */
@AutoConfiguration(after = TollgateAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(name = {"jakarta.servlet.Filter", "org.springframework.boot.web.servlet.FilterRegistrationBean"})
@ConditionalOnBean(RequestGate.class)
@ConditionalOnProperty(prefix = "tollgate.web", name = "enabled", havingValue = "true", matchIfMissing = true)
public class TollgateServletAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "tollgatePrincipalServletFilter")
    public FilterRegistrationBean<TollgatePrincipalServletFilter> tollgatePrincipalServletFilter(
            RequestGate gate, TollgateProperties props, ObjectProvider<RedisConnectionSettings> redis) {
        FilterRegistrationBean<TollgatePrincipalServletFilter> reg = new FilterRegistrationBean<>(
                new TollgatePrincipalServletFilter(gate, maxWait(props, redis)));
        reg.setName("tollgatePrincipalServletFilter");
        reg.setOrder(props.getPrincipalFilterOrder());
        reg.addUrlPatterns("/*");
        return reg;
    }

    /** Leaves the rules keyed on the principal to the second filter when there is one, else decides them too. */
    @Bean
    @ConditionalOnMissingBean(name = "tollgateServletFilter")
    public FilterRegistrationBean<TollgateServletFilter> tollgateServletFilter(
            RequestGate gate, TollgateProperties props, ObjectProvider<RedisConnectionSettings> redis,
            ObjectProvider<FilterRegistrationBean<TollgatePrincipalServletFilter>> principal) {
        FilterRegistrationBean<TollgateServletFilter> reg = new FilterRegistrationBean<>(
                new TollgateServletFilter(gate, maxWait(props, redis), principal.getIfAvailable() != null));
        reg.setName("tollgateServletFilter");
        reg.setOrder(TollgateWebFilter.ORDER);
        reg.addUrlPatterns("/*");
        return reg;
    }

    /**
     * A backstop only: the store answers within the overload timeout (plus the silence budget when Redis stops
     * answering at the end of it); this bounds the wait if that ever fails to fire.
     */
    private static Duration maxWait(TollgateProperties props, ObjectProvider<RedisConnectionSettings> redis) {
        return RedisSettings.callBudget(props.getRedis(), redis.getIfAvailable());
    }
}
