package io.tollgate.spring.web;

import io.tollgate.core.headers.RateLimitHeaders;
import io.tollgate.core.identity.IpLiteral;
import io.tollgate.core.identity.RequestView;
import io.tollgate.core.limiter.Verdict;
import io.tollgate.core.rules.Rule;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rate limits Servlet requests, with the same behaviour as {@link TollgateWebFilter}. Servlet request threads block
 * by design, so this filter waits for the limiter, but never longer than {@code maxWait}; past that (which means the
 * store's own timeout failed to fire) the request is let through and the event logged.
 */
public class TollgateServletFilter extends HttpFilter {
    private static final long serialVersionUID = 1L;

    private static final Logger log = LoggerFactory.getLogger(TollgateServletFilter.class);

    private final transient RequestGate gate;
    private final long maxWaitNanos;

    public TollgateServletFilter(RequestGate gate, Duration maxWait) {
        this.gate = gate;
        this.maxWaitNanos = maxWait.toNanos();
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        // servletPath + pathInfo is decoded and already normalised by the container; normalising again is cheap insurance
        String raw = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        String path = RequestPaths.normalise(raw);
        Rule rule = gate.ruleFor(request.getMethod(), path);
        if (rule == null) {
            chain.doFilter(request, response);
            return;
        }
        Verdict verdict;
        try {
            verdict = gate.check(rule, new View(request)).toCompletableFuture().get(maxWaitNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            log.warn("Rate limiter did not answer within {} ms; letting the request through", maxWaitNanos / 1_000_000);
            chain.doFilter(request, response);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServletException("interrupted while waiting for the rate limiter", e);
        } catch (ExecutionException e) {
            throw new ServletException("rate limiter failed", e.getCause());
        }
        for (RateLimitHeaders.Header h : gate.headers(verdict)) {
            response.setHeader(h.name(), h.value());
        }
        if (verdict.permitted()) {
            chain.doFilter(request, response);
            return;
        }
        byte[] body = ProblemBody.json(verdict);
        response.setStatus(verdict.rejectionStatus());
        response.setHeader("Cache-Control", "no-store");
        response.setContentType(ProblemBody.CONTENT_TYPE);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    private record View(HttpServletRequest request) implements RequestView {

        @Override
        public InetAddress peerAddress() {
            String addr = request.getRemoteAddr();
            int zone = addr == null ? -1 : addr.indexOf('%'); // IPv6 zone id, e.g. fe80::1%eth0
            return IpLiteral.parseOrNull(zone < 0 ? addr : addr.substring(0, zone));
        }

        @Override
        public String header(String name) {
            Enumeration<String> values = request.getHeaders(name);
            if (values == null || !values.hasMoreElements()) {
                return null;
            }
            String first = values.nextElement();
            if (!values.hasMoreElements()) {
                return first;
            }
            List<String> all = new ArrayList<>();
            all.add(first);
            while (values.hasMoreElements()) {
                all.add(values.nextElement());
            }
            return String.join(", ", all);
        }
    }
}
