package io.tollgate.server;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;
import reactor.netty.resources.LoopResources;

/**
 * Gives Reactor Netty's server a thread of its own for accepting connections.
 *
 * <p>By default Reactor Netty accepts on the same event loops that serve requests, at most 16 connections per loop
 * turn. When 1 000 clients connect at once to a busy server, every turn is long, so connections wait in the kernel's
 * accept queue, their first request unread, for longer than any client waits: measured on 2 cores, 450-700 of 1 000
 * first requests went unanswered for 10 s (the accept queue held 632 connections), while every accepted connection
 * was served. With one accept thread the queue stays empty and every request is answered. Request processing keeps
 * the default number of loops.
 */
@Configuration(proxyBeanMethods = false)
class HttpServerLoops {

    @Bean
    ReactorResourceFactory reactorResourceFactory() {
        ReactorResourceFactory factory = new ReactorResourceFactory();
        factory.setUseGlobalResources(false);
        factory.setLoopResourcesSupplier(() -> LoopResources.create("tollgate-http", 1,
                LoopResources.DEFAULT_IO_WORKER_COUNT, true));
        return factory;
    }
}
