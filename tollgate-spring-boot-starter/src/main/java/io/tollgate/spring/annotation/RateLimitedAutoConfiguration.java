package io.tollgate.spring.annotation;

import io.tollgate.core.limiter.Tollgate;
import io.tollgate.spring.TollgateAutoConfiguration;
import org.springframework.aop.Advisor;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Role;

/**
 * {@link RateLimited} on bean methods: an infrastructure advisor (picked up by Spring's auto-proxying, as
 * {@code @Transactional} and {@code @Async} are, with or without AspectJ) and the start-up check of every
 * declaration. On with Spring AOP on the classpath; {@code tollgate.annotations.enabled=false} turns it off.
 */
@AutoConfiguration(after = TollgateAutoConfiguration.class)
@ConditionalOnClass(Advisor.class)
@ConditionalOnBean(Tollgate.class)
@ConditionalOnProperty(prefix = "tollgate.annotations", name = "enabled", havingValue = "true", matchIfMissing = true)
public class RateLimitedAutoConfiguration {

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    static Advisor tollgateRateLimitedAdvisor(ObjectProvider<Tollgate> tollgate) {
        DefaultPointcutAdvisor advisor = new DefaultPointcutAdvisor(
                new AnnotationMatchingPointcut(null, RateLimited.class, true), new RateLimitedInterceptor(tollgate));
        advisor.setOrder(0);
        return advisor;
    }

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    static RateLimitedDeclarations tollgateRateLimitedDeclarations(ObjectProvider<Tollgate> tollgate) {
        return new RateLimitedDeclarations(tollgate);
    }
}
