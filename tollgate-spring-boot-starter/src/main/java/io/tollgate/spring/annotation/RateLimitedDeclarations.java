package io.tollgate.spring.annotation;

import io.tollgate.core.limiter.Tollgate;
import java.lang.reflect.Method;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Checks every {@link RateLimited} declaration as its bean is created, so a bad one (unknown rule, invalid SpEL, a bad
 * cost or wait) stops start-up with a message naming the bean, the method, the attribute and the value, instead of
 * failing on the first call.
 */
final class RateLimitedDeclarations implements BeanPostProcessor {

    private final ObjectProvider<Tollgate> tollgate;

    RateLimitedDeclarations(ObjectProvider<Tollgate> tollgate) {
        this.tollgate = tollgate;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        Class<?> type = AopUtils.getTargetClass(bean);
        if (type.getName().startsWith("org.springframework.") || type.getName().startsWith("java.")) {
            return bean;
        }
        ReflectionUtils.doWithMethods(type, (Method m) -> {
            RateLimited a = AnnotatedElementUtils.findMergedAnnotation(m, RateLimited.class);
            if (a != null) {
                RateLimitedMethod.of(beanName, m, a, tollgate.getObject());
            }
        }, m -> !m.isBridge() && !m.isSynthetic());
        return bean;
    }
}
