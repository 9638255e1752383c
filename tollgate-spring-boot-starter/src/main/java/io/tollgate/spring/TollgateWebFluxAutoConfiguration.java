package io.tollgate.spring;

import io.tollgate.spring.web.RequestGate;
import io.tollgate.spring.web.TollgateWebFilter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;

/** WebFlux: the rate-limiting {@code WebFilter}, which never blocks an event loop. */
@AutoConfiguration(after = TollgateAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass(name = "org.springframework.web.server.WebFilter")
@ConditionalOnBean(RequestGate.class)
public class TollgateWebFluxAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    public TollgateWebFilter tollgateWebFilter(RequestGate gate) {
        return new TollgateWebFilter(gate);
    }
}
