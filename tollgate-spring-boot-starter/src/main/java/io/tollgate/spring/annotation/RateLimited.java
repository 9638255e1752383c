package io.tollgate.spring.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Rate-limits calls of a Spring bean method under a Tollgate rule (from the rules file or {@code tollgate.rules.*}):
 *
 * <pre>{@code
 * @RateLimited(rule = "stripe-api", key = "#customer.id", maxWait = "2s")
 * public Charge charge(Customer customer, Money amount) { ... }
 * }</pre>
 *
 * <ul>
 *   <li>Without {@link #maxWait()} a call takes its tokens or throws {@link io.tollgate.core.limiter.RateLimitExceededException}
 *       at once. With it, the call waits up to that long for them (a reservation, see
 *       {@link io.tollgate.core.limiter.RuleLimiter#acquire}) and throws only if they cannot be had in time.</li>
 *   <li>Methods returning {@code CompletionStage}, {@code Mono} or {@code Flux} are never blocked: the returned stage
 *       or publisher fails with the exception instead, and the method body runs only once the tokens are the
 *       caller's (for a publisher, on subscription). Other methods block the calling thread while they wait.</li>
 *   <li>A bad declaration (unknown rule, invalid SpEL, a bad {@code cost} or {@code maxWait}) fails start-up naming the
 *       bean, the method, the attribute and the value.</li>
 * </ul>
 * Auto-configured when Spring AOP is on the classpath (it comes with {@code spring-context}); works on public methods
 * called through the bean's proxy (not on self-invocation), like {@code @Transactional}.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface RateLimited {

    /** The rule's name. */
    String rule();

    /**
     * SpEL over the method's arguments ({@code #name}, or {@code #p0}/{@code #a0}) giving the bucket's key; its
     * {@code toString()} is hashed before it reaches the store. Empty: one bucket for every call.
     */
    String key() default "";

    /** Tokens a call takes: a whole number, or SpEL over the arguments giving one; empty: the rule's cost. */
    String cost() default "";

    /**
     * Longest wait for the tokens, such as {@code 500ms} or {@code 2s}; empty: no waiting. (Named {@code maxWait}:
     * {@code wait} cannot be an annotation attribute, {@code Object.wait()} is final.)
     */
    String maxWait() default "";
}
