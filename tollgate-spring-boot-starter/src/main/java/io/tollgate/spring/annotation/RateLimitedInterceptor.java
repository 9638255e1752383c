package io.tollgate.spring.annotation;

import io.tollgate.core.limiter.Permit;
import io.tollgate.core.limiter.RateLimitExceededException;
import io.tollgate.core.limiter.RuleLimiter;
import io.tollgate.core.limiter.Tollgate;
import java.lang.reflect.Method;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.annotation.AnnotatedElementUtils;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Runs a {@link RateLimited} method only once its tokens are the caller's. Declarations are parsed once per method
 * (and checked at start-up by {@link RateLimitedDeclarations}); a call evaluates its key and cost, then acquires:
 * {@code tryAcquire} without a wait, {@code acquire} with one. Plain methods block while they wait; stage and publisher
 * methods never do.
 */
final class RateLimitedInterceptor implements MethodInterceptor {

    /** Looked up on first use: the advisor is created before the beans it advises, the limiter among them. */
    private final ObjectProvider<Tollgate> tollgateProvider;
    private volatile Tollgate tollgate;
    private final ConcurrentHashMap<Method, RateLimitedMethod> parsed = new ConcurrentHashMap<>();

    RateLimitedInterceptor(ObjectProvider<Tollgate> tollgate) {
        this.tollgateProvider = tollgate;
    }

    @Override
    public Object invoke(MethodInvocation invocation) throws Throwable {
        if (tollgate == null) {
            tollgate = tollgateProvider.getObject();
        }
        Object target = invocation.getThis();
        Method method = target == null ? invocation.getMethod()
                : AopUtils.getMostSpecificMethod(invocation.getMethod(), target.getClass());
        RateLimitedMethod m = parsed.computeIfAbsent(method, x -> {
            RateLimited a = AnnotatedElementUtils.findMergedAnnotation(x, RateLimited.class);
            if (a == null) {
                a = AnnotatedElementUtils.findMergedAnnotation(invocation.getMethod(), RateLimited.class);
            }
            return RateLimitedMethod.of(target == null ? "?" : target.getClass().getSimpleName(), x, a, tollgate);
        });
        return switch (m.shape) {
            case PLAIN -> plain(m, invocation, target);
            case STAGE -> acquire(m, invocation, target).thenCompose(p -> proceedStage(invocation));
            case MONO -> Mono.defer(() -> Mono.fromCompletionStage(acquire(m, invocation, target))
                    .flatMap(p -> proceedPublisher(invocation, Mono.class)));
            case FLUX -> Flux.defer(() -> Mono.fromCompletionStage(acquire(m, invocation, target))
                    .flatMapMany(p -> proceedPublisher(invocation, Flux.class)));
        };
    }

    private Object plain(RateLimitedMethod m, MethodInvocation invocation, Object target) throws Throwable {
        RuleLimiter limiter = tollgate.limiter(m.rule);
        String key = m.keyOf(target, invocation.getArguments());
        long cost = cost(m, limiter, invocation, target);
        if (m.wait != null) {
            limiter.acquireBlocking(key, cost, m.wait);
        } else {
            Permit p = limiter.tryAcquire(key, cost).toCompletableFuture().join();
            if (!p.granted()) {
                throw new RateLimitExceededException(p.verdict());
            }
        }
        return invocation.proceed();
    }

    /** The acquisition as a stage that fails with {@link RateLimitExceededException} when denied; never blocks. */
    private CompletionStage<Permit> acquire(RateLimitedMethod m, MethodInvocation invocation, Object target) {
        try {
            RuleLimiter limiter = tollgate.limiter(m.rule);
            String key = m.keyOf(target, invocation.getArguments());
            long cost = cost(m, limiter, invocation, target);
            if (m.wait != null) {
                return limiter.acquire(key, cost, m.wait);
            }
            return limiter.tryAcquire(key, cost).thenCompose(p -> p.granted() ? CompletableFuture.completedFuture(p)
                    : CompletableFuture.failedFuture(new RateLimitExceededException(p.verdict())));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static long cost(RateLimitedMethod m, RuleLimiter limiter, MethodInvocation invocation, Object target) {
        long cost = m.costOf(target, invocation.getArguments());
        return cost > 0 ? cost : limiter.ruleCost();
    }

    @SuppressWarnings("unchecked")
    private static CompletionStage<Object> proceedStage(MethodInvocation invocation) {
        try {
            return (CompletionStage<Object>) invocation.proceed();
        } catch (Throwable e) {
            return CompletableFuture.failedFuture(e instanceof CompletionException ? e : new CompletionException(e));
        }
    }

    @SuppressWarnings("unchecked")
    private static <P> P proceedPublisher(MethodInvocation invocation, Class<P> type) {
        try {
            return (P) invocation.proceed();
        } catch (Throwable e) {
            return (P) (type == Mono.class ? Mono.error(e) : Flux.error(e));
        }
    }
}
