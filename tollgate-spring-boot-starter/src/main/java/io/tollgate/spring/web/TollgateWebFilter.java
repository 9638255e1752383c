package io.tollgate.spring.web;

import io.tollgate.core.headers.RateLimitHeaders;
import io.tollgate.core.identity.IpLiteral;
import io.tollgate.core.identity.QueryString;
import io.tollgate.core.identity.RequestView;
import io.tollgate.core.limiter.Verdict;
import io.tollgate.core.rules.Rule;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.ErrorResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Rate limits WebFlux requests. Runs very early ({@link #ORDER}) so rejected requests cost as little as possible.
 * Never blocks: the limiter's answer is awaited reactively. Permitted requests continue with the rate-limit headers
 * added; rejected ones get 429 (503 when the store failed closed or the request was shed), the headers,
 * {@code Retry-After}, {@code Cache-Control: no-store} and a {@link ProblemBody problem+json body}. Exempt paths and
 * requests no rule matches pass untouched.
 *
 * <p>A rule keyed on the principal needs authentication to have run, which at this order it has not. When built to
 * defer them, this filter leaves such rules to {@link TollgatePrincipalWebFilter}, which runs after Spring Security;
 * otherwise it reads the principal the exchange has here. The principal ({@link ServerWebExchange#getPrincipal()}) is
 * awaited reactively, and only for a rule whose key has it.
 *
 * <p>A rule that counts after the response ({@link Rule#countsAfterResponse()}) is only checked here; when the chain
 * completes, the response's status (or, on an error signal, the error's status, else 500) decides whether the
 * request takes tokens. That take is not awaited, so it never delays the response.
 */
public class TollgateWebFilter implements WebFilter, Ordered {

    /** Filter order: just after the very first filters, so that almost nothing runs before a rejection. */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 10;

    private final RequestGate gate;
    private final boolean deferPrincipalRules;

    /** A filter that decides every rule itself, rules keyed on the principal with the principal it finds. */
    public TollgateWebFilter(RequestGate gate) {
        this(gate, false);
    }

    /**
     * @param deferPrincipalRules true to leave rules keyed on the principal to a {@link TollgatePrincipalWebFilter}
     *                            (which must then be registered, or such rules limit nothing)
     */
    public TollgateWebFilter(RequestGate gate, boolean deferPrincipalRules) {
        this.gate = gate;
        this.deferPrincipalRules = deferPrincipalRules;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        String path = RequestPaths.normalise(decodedPath(request.getPath().pathWithinApplication()));
        Rule rule = gate.ruleFor(request.getMethod().name(), path);
        if (rule == null) {
            return chain.filter(exchange);
        }
        if (deferPrincipalRules && gate.needsPrincipal(rule)) {
            exchange.getAttributes().put(DeferredRule.ATTRIBUTE, new DeferredRule(rule, path));
            return chain.filter(exchange);
        }
        return decide(exchange, chain, rule, path);
    }

    /** Decides the exchange under {@code rule}, which matched {@code path}: this filter's work after the rule lookup. */
    Mono<Void> decide(ServerWebExchange exchange, WebFilterChain chain, Rule rule, String path) {
        ServerHttpRequest request = exchange.getRequest();
        if (!gate.needsPrincipal(rule)) {
            return decide(exchange, chain, rule, new View(request, path, null));
        }
        // "" for nobody: a blank name falls back to the IP like a missing header
        return exchange.getPrincipal().mapNotNull(PrincipalNames::of).defaultIfEmpty("")
                .flatMap(name -> decide(exchange, chain, rule, new View(request, path, name)));
    }

    private Mono<Void> decide(ServerWebExchange exchange, WebFilterChain chain, Rule rule, View view) {
        return Mono.fromCompletionStage(() -> CallerEventLoop.resumeOnCaller(gate.check(rule, view)))
                .flatMap(verdict -> respond(exchange, chain, verdict));
    }

    private Mono<Void> respond(ServerWebExchange exchange, WebFilterChain chain, Verdict verdict) {
        ServerHttpResponse response = exchange.getResponse();
        HttpHeaders out = response.getHeaders();
        List<RateLimitHeaders.Header> headers = gate.headers(verdict);
        for (RateLimitHeaders.Header h : headers) {
            out.set(h.name(), h.value());
        }
        if (verdict.permitted()) {
            return proceed(exchange, chain, verdict);
        }
        response.setStatusCode(HttpStatus.valueOf(verdict.rejectionStatus()));
        out.set(HttpHeaders.CACHE_CONTROL, "no-store");
        out.set(HttpHeaders.CONTENT_TYPE, ProblemBody.CONTENT_TYPE);
        byte[] body = ProblemBody.json(verdict);
        out.setContentLength(body.length);
        DataBuffer buffer = response.bufferFactory().wrap(body);
        return response.writeWith(Mono.just(buffer));
    }

    /** Continues the chain; for a rule that counts after the response, its status then decides the take. */
    private Mono<Void> proceed(ServerWebExchange exchange, WebFilterChain chain, Verdict verdict) {
        Mono<Void> next = chain.filter(exchange);
        if (!verdict.rule().countsAfterResponse()) {
            return next;
        }
        ServerHttpResponse response = exchange.getResponse();
        return next.doOnSuccess(done -> gate.responded(verdict, statusOf(response)))
                .doOnError(error -> gate.responded(verdict, statusOf(error)));
    }

    /** The status the response was given; none set means 200, as the server will send. */
    static int statusOf(ServerHttpResponse response) {
        HttpStatusCode status = response.getStatusCode();
        return status == null ? HttpStatus.OK.value() : status.value();
    }

    /**
     * The status an error signal will be answered with: its own when it carries one (a
     * {@code ResponseStatusException}, any {@link ErrorResponse}), else 500, as Spring's error handling answers.
     */
    static int statusOf(Throwable error) {
        return error instanceof ErrorResponse e ? e.getStatusCode().value() : HttpStatus.INTERNAL_SERVER_ERROR.value();
    }

    /** The decoded path: each segment's decoded value without matrix parameters, joined by its separators. */
    static String decodedPath(PathContainer path) {
        String raw = path.value();
        if (raw.indexOf('%') < 0 && raw.indexOf(';') < 0) {
            return raw; // nothing encoded, no matrix parameters: decoding would rebuild the same string
        }
        StringBuilder sb = new StringBuilder();
        for (PathContainer.Element e : path.elements()) {
            if (e instanceof PathContainer.PathSegment s) {
                sb.append(s.valueToMatch());
            } else {
                sb.append(e.value());
            }
        }
        return sb.toString();
    }

    /** The request as the key resolver sees it; {@code principal} is resolved before, and only when a rule needs it. */
    private record View(ServerHttpRequest request, String path, String principal) implements RequestView {

        @Override
        public InetAddress peerAddress() {
            InetSocketAddress remote = request.getRemoteAddress();
            if (remote == null) {
                return null;
            }
            InetAddress a = remote.getAddress();
            // an unresolved socket address carries only a host string; parse it as a literal, never look it up
            return a != null ? a : IpLiteral.parseOrNull(remote.getHostString());
        }

        @Override
        public String header(String name) {
            List<String> values = request.getHeaders().get(name);
            if (values == null || values.isEmpty()) {
                return null;
            }
            return values.size() == 1 ? values.get(0) : String.join(", ", values);
        }

        @Override
        public String queryParameter(String name) {
            return QueryString.first(request.getURI().getRawQuery(), name);
        }

        @Override
        public String principalName() {
            return principal;
        }
    }
}
