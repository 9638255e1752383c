package io.tollgate.spring.web;

import io.tollgate.core.headers.RateLimitHeaders;
import io.tollgate.core.identity.IpLiteral;
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
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
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
 */
public class TollgateWebFilter implements WebFilter, Ordered {

    /** Filter order: just after the very first filters, so that almost nothing runs before a rejection. */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 10;

    private final RequestGate gate;

    public TollgateWebFilter(RequestGate gate) {
        this.gate = gate;
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
        return Mono.fromCompletionStage(() -> CallerEventLoop.resumeOnCaller(gate.check(rule, new View(request))))
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
            return chain.filter(exchange);
        }
        response.setStatusCode(HttpStatus.valueOf(verdict.rejectionStatus()));
        out.set(HttpHeaders.CACHE_CONTROL, "no-store");
        out.set(HttpHeaders.CONTENT_TYPE, ProblemBody.CONTENT_TYPE);
        byte[] body = ProblemBody.json(verdict);
        out.setContentLength(body.length);
        DataBuffer buffer = response.bufferFactory().wrap(body);
        return response.writeWith(Mono.just(buffer));
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

    private record View(ServerHttpRequest request) implements RequestView {

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
    }
}
