package io.tollgate.spring;

import io.tollgate.spring.web.RequestGate;
import io.tollgate.spring.web.TollgatePrincipalWebFilter;
import io.tollgate.spring.web.TollgateWebFilter;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;

/**
 * WebFlux: the rate-limiting {@code WebFilter}, which never blocks an event loop, and a second one after
 * authentication ({@code tollgate.principal-filter-order}) for the rules keyed on the principal.
 * {@code tollgate.web.enabled=false} leaves them out, and nothing else.
 */
@AutoConfiguration(after = TollgateAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass(name = "org.springframework.web.server.WebFilter")
@ConditionalOnBean(RequestGate.class)
@ConditionalOnProperty(prefix = "tollgate.web", name = "enabled", havingValue = "true", matchIfMissing = true)
public class TollgateWebFluxAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    public TollgatePrincipalWebFilter tollgatePrincipalWebFilter(RequestGate gate, TollgateProperties props) {
        return new TollgatePrincipalWebFilter(gate, props.getPrincipalFilterOrder());
    }

    /** Leaves the rules keyed on the principal to the second filter when there is one, else decides them too. */
    @Bean
    @ConditionalOnMissingBean
    public TollgateWebFilter tollgateWebFilter(RequestGate gate, ObjectProvider<TollgatePrincipalWebFilter> principal) {
        return new TollgateWebFilter(gate, principal.getIfAvailable() != null);
    }
}
