package io.tollgate.spring;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when the store is Redis: {@code tollgate.store=redis}, or {@code auto} (the default) with
 * {@code tollgate.redis.url} or {@code tollgate.redis.host} set. The same rule as {@link TollgateProperties.Redis#isConfigured()}.
 */
class RedisStoreCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Binder binder = Binder.get(context.getEnvironment());
        TollgateProperties.StoreType store = binder.bind("tollgate.store", TollgateProperties.StoreType.class)
                .orElse(TollgateProperties.StoreType.AUTO);
        return switch (store) {
            case REDIS -> ConditionOutcome.match("tollgate.store=redis");
            case MEMORY -> ConditionOutcome.noMatch("tollgate.store=memory");
            case AUTO -> {
                TollgateProperties.Redis redis = new TollgateProperties.Redis();
                binder.bind("tollgate.redis.url", String.class).ifBound(redis::setUrl);
                binder.bind("tollgate.redis.host", String.class).ifBound(redis::setHost);
                yield redis.isConfigured() ? ConditionOutcome.match("tollgate.store=auto with a Redis address")
                        : ConditionOutcome.noMatch("tollgate.store=auto without tollgate.redis.url or host");
            }
        };
    }
}
