package io.tollgate.spring.web;

import io.tollgate.core.headers.RateLimitHeaders;
import io.tollgate.core.identity.IpLiteral;
import io.tollgate.core.identity.QueryString;
import io.tollgate.core.identity.RequestView;
import io.tollgate.core.limiter.Verdict;
import io.tollgate.core.rules.Rule;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
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
 *
 * <p>A rule keyed on the principal reads {@link HttpServletRequest#getUserPrincipal()}, which Spring Security fills in
 * only inside its filter chain (a container's own authentication works without it). When built to defer them, this
 * filter leaves such rules to {@link TollgatePrincipalServletFilter}, which runs after Spring Security.
 *
 * <p>A rule that counts after the response is only checked before the chain; once the chain returns (for an async
 * request: once the async cycle completes) the response's status, or 500 when the chain threw before committing it,
 * decides whether the request takes tokens. That take is not awaited.
 */
public class TollgateServletFilter extends HttpFilter {
    private static final long serialVersionUID = 1L;

    private static final Logger log = LoggerFactory.getLogger(TollgateServletFilter.class);

    private final transient RequestGate gate;
    private final long maxWaitNanos;
    private final boolean deferPrincipalRules;

    /** A filter that decides every rule itself, rules keyed on the principal with the principal it finds. */
    public TollgateServletFilter(RequestGate gate, Duration maxWait) {
        this(gate, maxWait, false);
    }

    /**
     * @param deferPrincipalRules true to leave rules keyed on the principal to a {@link TollgatePrincipalServletFilter}
     *                            (which must then be registered, or such rules limit nothing)
     */
    public TollgateServletFilter(RequestGate gate, Duration maxWait, boolean deferPrincipalRules) {
        this.gate = gate;
        this.maxWaitNanos = maxWait.toNanos();
        this.deferPrincipalRules = deferPrincipalRules;
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
        if (deferPrincipalRules && gate.needsPrincipal(rule)) {
            request.setAttribute(DeferredRule.ATTRIBUTE, new DeferredRule(rule, path));
            chain.doFilter(request, response);
            return;
        }
        decide(request, response, chain, rule, path);
    }

    /** Decides the request under {@code rule}, which matched {@code path}: this filter's work after the rule lookup. */
    void decide(HttpServletRequest request, HttpServletResponse response, FilterChain chain, Rule rule, String path)
            throws IOException, ServletException {
        Verdict verdict;
        try {
            verdict = gate.check(rule, new View(request, path)).toCompletableFuture()
                    .get(maxWaitNanos, TimeUnit.NANOSECONDS);
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
            proceed(request, response, chain, verdict);
            return;
        }
        byte[] body = ProblemBody.json(verdict);
        response.setStatus(verdict.rejectionStatus());
        response.setHeader("Cache-Control", "no-store");
        response.setContentType(ProblemBody.CONTENT_TYPE);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    /** Continues the chain; for a rule that counts after the response, its status then decides the take. */
    private void proceed(HttpServletRequest request, HttpServletResponse response, FilterChain chain, Verdict verdict)
            throws IOException, ServletException {
        if (!verdict.rule().countsAfterResponse()) {
            chain.doFilter(request, response);
            return;
        }
        boolean returned = false;
        try {
            chain.doFilter(request, response);
            returned = true;
        } finally {
            if (returned && request.isAsyncStarted()) {
                request.getAsyncContext().addListener(new CountOnComplete(gate, verdict, response));
            } else {
                // a throw that escapes the chain before the response is committed becomes the container's 500
                gate.responded(verdict, returned || response.isCommitted() ? response.getStatus() : 500);
            }
        }
    }

    /** Counts an async request's response once its async cycle completes (after a timeout or error too). */
    private record CountOnComplete(RequestGate gate, Verdict verdict, HttpServletResponse response)
            implements AsyncListener {

        @Override
        public void onComplete(AsyncEvent event) {
            gate.responded(verdict, response.getStatus());
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            // onComplete follows, with the status the timeout handling set
        }

        @Override
        public void onError(AsyncEvent event) {
            // onComplete follows, with the status the error handling set
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            event.getAsyncContext().addListener(this); // a new async cycle drops the listeners of the last one
        }
    }

    private record View(HttpServletRequest request, String path) implements RequestView {

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

        @Override
        public String queryParameter(String name) {
            // the raw query string, not getParameter: that would read (and consume) a form body too
            return QueryString.first(request.getQueryString(), name);
        }

        @Override
        public String principalName() {
            return PrincipalNames.of(request.getUserPrincipal());
        }
    }
}
