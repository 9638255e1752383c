package io.tollgate.spring.annotation;

import io.tollgate.core.limiter.Tollgate;
import io.tollgate.spring.TollgateConfigurationException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.Expression;
import org.springframework.expression.ExpressionParser;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.util.ClassUtils;

/**
 * One {@link RateLimited} declaration, parsed and checked once: the rule, the key and cost expressions, the wait, and
 * how the method returns (plain, {@code CompletionStage}, {@code Mono}, {@code Flux}).
 */
final class RateLimitedMethod {

    /** How a method hands back its result, which decides whether a call may block. */
    enum Shape { PLAIN, STAGE, MONO, FLUX }

    private static final ExpressionParser PARSER = new SpelExpressionParser();
    private static final ParameterNameDiscoverer NAMES = new DefaultParameterNameDiscoverer();
    private static final boolean REACTOR = ClassUtils.isPresent("reactor.core.publisher.Mono",
            RateLimitedMethod.class.getClassLoader());

    final Method method;
    final String rule;
    final Expression key;
    final Expression costExpression;
    final long cost;
    final Duration wait;
    final Shape shape;

    private RateLimitedMethod(Method method, String rule, Expression key, Expression costExpression, long cost,
                              Duration wait, Shape shape) {
        this.method = method;
        this.rule = rule;
        this.key = key;
        this.costExpression = costExpression;
        this.cost = cost;
        this.wait = wait;
        this.shape = shape;
    }

    /**
     * Parses and checks the declaration on {@code method} of bean {@code beanName}.
     *
     * @throws TollgateConfigurationException naming the bean, the method, the attribute and the value
     */
    static RateLimitedMethod of(String beanName, Method method, RateLimited a, Tollgate tollgate) {
        String where = "@RateLimited on bean \"" + beanName + "\", method " + signature(method) + ", attribute ";
        if (!tollgate.hasRule(a.rule())) {
            String problem;
            try {
                tollgate.limiter(a.rule());
                problem = "no such rule";
            } catch (IllegalArgumentException e) {
                problem = e.getMessage();
            }
            throw new TollgateConfigurationException(where + "rule", a.rule(), problem);
        }
        Expression key = a.key().isBlank() ? null : parse(where + "key", a.key());
        Expression costExpression = null;
        long cost = 0;
        if (!a.cost().isBlank()) {
            String c = a.cost().strip();
            if (c.chars().allMatch(Character::isDigit)) {
                try {
                    cost = Long.parseLong(c);
                } catch (NumberFormatException e) {
                    cost = -1;
                }
                if (cost < 1) {
                    throw new TollgateConfigurationException(where + "cost", a.cost(),
                            "expected a whole number of tokens of at least 1, or a SpEL expression giving one");
                }
            } else {
                costExpression = parse(where + "cost", a.cost());
            }
        }
        Duration wait = null;
        if (!a.maxWait().isBlank()) {
            try {
                wait = DurationStyle.detectAndParse(a.maxWait().strip());
            } catch (IllegalArgumentException e) {
                throw new TollgateConfigurationException(where + "maxWait", a.maxWait(),
                        "expected a duration such as 500ms, 2s or PT2S");
            }
            if (wait.isNegative()) {
                throw new TollgateConfigurationException(where + "maxWait", a.maxWait(), "a wait cannot be negative");
            }
        }
        return new RateLimitedMethod(method, a.rule(), key, costExpression, cost, wait, shapeOf(method));
    }

    private static Expression parse(String attribute, String text) {
        try {
            return PARSER.parseExpression(text);
        } catch (ParseException e) {
            throw new TollgateConfigurationException(attribute, text, "not a valid SpEL expression: "
                    + e.getSimpleMessage());
        }
    }

    private static Shape shapeOf(Method m) {
        Class<?> r = m.getReturnType();
        if (CompletionStage.class.isAssignableFrom(r)) {
            return Shape.STAGE;
        }
        if (REACTOR && reactor.core.publisher.Mono.class.isAssignableFrom(r)) {
            return Shape.MONO;
        }
        if (REACTOR && reactor.core.publisher.Flux.class.isAssignableFrom(r)) {
            return Shape.FLUX;
        }
        return Shape.PLAIN;
    }

    /** The key for one call: the expression's value as text, or one shared key. */
    String keyOf(Object target, Object[] args) {
        if (key == null) {
            return "*";
        }
        Object value = key.getValue(context(target, args));
        if (value == null) {
            throw new IllegalArgumentException("@RateLimited key " + key.getExpressionString() + " of "
                    + signature(method) + " is null for this call");
        }
        return value.toString();
    }

    /** The cost for one call: the literal, the expression's value, or 0 for the rule's own cost. */
    long costOf(Object target, Object[] args) {
        if (costExpression == null) {
            return cost;
        }
        Number n = costExpression.getValue(context(target, args), Number.class);
        if (n == null || n.longValue() < 1) {
            throw new IllegalArgumentException("@RateLimited cost " + costExpression.getExpressionString() + " of "
                    + signature(method) + " is " + n + " for this call; expected at least 1");
        }
        return n.longValue();
    }

    private MethodBasedEvaluationContext context(Object target, Object[] args) {
        return new MethodBasedEvaluationContext(target, method, args, NAMES);
    }

    static String signature(Method m) {
        return m.getDeclaringClass().getSimpleName() + "." + m.getName() + "(" + Arrays.stream(m.getParameterTypes())
                .map(Class::getSimpleName).collect(Collectors.joining(", ")) + ")";
    }
}
