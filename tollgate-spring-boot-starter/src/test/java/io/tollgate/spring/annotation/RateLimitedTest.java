package io.tollgate.spring.annotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.core.limiter.RateLimitExceededException;
import io.tollgate.core.limiter.Tollgate;
import io.tollgate.spring.TollgateAutoConfiguration;
import io.tollgate.spring.TollgateRedisAutoConfiguration;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** {@code @RateLimited} on a real Spring context: sync, CompletionStage, Mono and Flux methods, SpEL keys and costs. */
class RateLimitedTest {

    /** A bean as an application writes it. */
    public static class Billing {
        final AtomicInteger ran = new AtomicInteger();

        /** Through the proxy (a field read on a class proxy would see the proxy's own, empty field). */
        public int runs() {
            return ran.get();
        }

        public record Customer(String id) {
        }

        @RateLimited(rule = "partner", key = "#customer.id")
        public String charge(Customer customer) {
            ran.incrementAndGet();
            return "charged " + customer.id();
        }

        @RateLimited(rule = "partner", key = "'stage:' + #customer.id", cost = "#units")
        public CompletionStage<String> chargeLater(Customer customer, int units) {
            ran.incrementAndGet();
            return CompletableFuture.completedFuture("later " + customer.id());
        }

        @RateLimited(rule = "partner", key = "'mono:' + #p0", maxWait = "1s")
        public Mono<String> chargeReactive(String id) {
            return Mono.fromSupplier(() -> {
                ran.incrementAndGet();
                return "reactive " + id;
            });
        }

        @RateLimited(rule = "partner", key = "'flux'", cost = "2")
        public Flux<Integer> stream() {
            ran.incrementAndGet();
            return Flux.just(1, 2, 3);
        }

        @RateLimited(rule = "partner", key = "'waiting'", maxWait = "2s")
        public String waiting() {
            ran.incrementAndGet();
            return "ok";
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class App {
        @Bean
        Billing billing() {
            return new Billing();
        }
    }

    /** 2 burst, 10 per second. */
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TollgateRedisAutoConfiguration.class,
                    TollgateAutoConfiguration.class, RateLimitedAutoConfiguration.class,
                    org.springframework.boot.autoconfigure.aop.AopAutoConfiguration.class))
            .withPropertyValues("tollgate.rules.partner.capacity=2", "tollgate.rules.partner.refill-rate=10")
            .withUserConfiguration(App.class);

    @Test
    void plainMethodsTakeTheirTokensOrThrowWithTheVerdict() {
        runner.run(ctx -> {
            Billing billing = ctx.getBean(Billing.class);
            assertThat(billing.charge(new Billing.Customer("c1"))).isEqualTo("charged c1");
            billing.charge(new Billing.Customer("c1"));
            assertThatThrownBy(() -> billing.charge(new Billing.Customer("c1")))
                    .isInstanceOfSatisfying(RateLimitExceededException.class, e -> {
                        assertThat(e.rule()).isEqualTo("partner");
                        assertThat(e.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMillis(100));
                        assertThat(e.verdict().permitted()).isFalse();
                    });
            assertThat(billing.runs()).isEqualTo(2); // the denied call never ran
            // the key is per customer
            assertThat(billing.charge(new Billing.Customer("c2"))).isEqualTo("charged c2");
            assertThat(ctx.getBean(Tollgate.class)).isNotNull();
        });
    }

    @Test
    void aPlainMethodWithAWaitBlocksUntilItsTokensAreThere() {
        runner.run(ctx -> {
            Billing billing = ctx.getBean(Billing.class);
            // a full bucket of 2 refilled at 10/s: the third token exists 100 ms after the first was taken at the
            // earliest, so the third call cannot return sooner, however fast or slow the first two were
            long start = System.nanoTime();
            billing.waiting();
            billing.waiting();
            assertThat(billing.waiting()).isEqualTo("ok");
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(99));
        });
    }

    @Test
    void stageMethodsFailTheStageAndTakeTheCostFromSpel() {
        runner.run(ctx -> {
            Billing billing = ctx.getBean(Billing.class);
            assertThat(billing.chargeLater(new Billing.Customer("c"), 2).toCompletableFuture().join())
                    .isEqualTo("later c");
            CompletionStage<String> denied = billing.chargeLater(new Billing.Customer("c"), 1);
            assertThatThrownBy(() -> denied.toCompletableFuture().join())
                    .isInstanceOf(CompletionException.class).hasCauseInstanceOf(RateLimitExceededException.class);
            assertThat(billing.runs()).isEqualTo(1);
        });
    }

    @Test
    void reactiveMethodsAcquireOnSubscriptionAndNeverBlock() {
        runner.run(ctx -> {
            Billing billing = ctx.getBean(Billing.class);
            Mono<String> mono = billing.chargeReactive("r");
            assertThat(billing.runs()).isEqualTo(0); // nothing happens before subscription
            long start = System.nanoTime();
            assertThat(mono.block(Duration.ofSeconds(5))).isEqualTo("reactive r");
            billing.chargeReactive("r").block(Duration.ofSeconds(5));
            // the third waits for its token (100 ms after the first was taken, at the earliest) on the timer
            assertThat(billing.chargeReactive("r").block(Duration.ofSeconds(5))).isEqualTo("reactive r");
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(99));

            assertThat(billing.stream().collectList().block(Duration.ofSeconds(5))).containsExactly(1, 2, 3);
            assertThatThrownBy(() -> billing.stream().collectList().block(Duration.ofSeconds(5)))
                    .isInstanceOf(RateLimitExceededException.class);
        });
    }

    /** A bean with a bad declaration, per case. */
    public static class UnknownRule {
        @RateLimited(rule = "nope")
        public void call() {
        }
    }

    public static class BadSpel {
        @RateLimited(rule = "partner", key = "#customer.")
        public void call(String customer) {
        }
    }

    public static class BadWait {
        @RateLimited(rule = "partner", maxWait = "soon")
        public void call() {
        }
    }

    public static class BadCost {
        @RateLimited(rule = "partner", cost = "0")
        public void call() {
        }
    }

    @Test
    void aBadDeclarationFailsStartUpNamingBeanMethodAttributeAndValue() {
        failsWith(UnknownRule.class, "Invalid value \"nope\" for @RateLimited on bean \"bad\", method UnknownRule.call(),"
                + " attribute rule: no rate-limit rule named \"nope\"; the rules are \"partner\"");
        failsWith(BadSpel.class, "Invalid value \"#customer.\" for @RateLimited on bean \"bad\", method"
                + " BadSpel.call(String), attribute key: not a valid SpEL expression");
        failsWith(BadWait.class, "Invalid value \"soon\" for @RateLimited on bean \"bad\", method BadWait.call(),"
                + " attribute maxWait: expected a duration such as 500ms, 2s or PT2S");
        failsWith(BadCost.class, "Invalid value \"0\" for @RateLimited on bean \"bad\", method BadCost.call(),"
                + " attribute cost: expected a whole number of tokens of at least 1");
    }

    private void failsWith(Class<?> type, String message) {
        runner.withBean("bad", type).run(ctx -> {
            assertThat(ctx).hasFailed();
            Throwable root = ctx.getStartupFailure();
            while (root.getCause() != null) {
                root = root.getCause();
            }
            assertThat(root.getMessage()).startsWith(message);
        });
    }
}
