package io.tollgate.spring.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;

/**
 * Decides, after authentication, the rules keyed on the principal that {@link TollgateServletFilter} left for it,
 * exactly as that filter decides every other rule (headers, rejections, counting after the response). Every other
 * request passes untouched. Register it after Spring Security's filter chain (order -100 by default), so that
 * {@link HttpServletRequest#getUserPrincipal()} holds the authenticated user.
 */
public class TollgatePrincipalServletFilter extends HttpFilter {
    private static final long serialVersionUID = 1L;

    private final TollgateServletFilter decider;

    /** @param maxWait the longest wait for the limiter, as for {@link TollgateServletFilter} */
    public TollgatePrincipalServletFilter(RequestGate gate, Duration maxWait) {
        this.decider = new TollgateServletFilter(gate, maxWait);
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        Object deferred = request.getAttribute(DeferredRule.ATTRIBUTE);
        if (!(deferred instanceof DeferredRule d)) {
            chain.doFilter(request, response);
            return;
        }
        request.removeAttribute(DeferredRule.ATTRIBUTE); // decided once, even if a dispatch passes here again
        decider.decide(request, response, chain, d.rule(), d.path());
    }
}
