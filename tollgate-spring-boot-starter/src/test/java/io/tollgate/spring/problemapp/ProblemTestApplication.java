package io.tollgate.spring.problemapp;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.ForwardingBucketStore;
import io.tollgate.core.store.InMemoryBucketStore;
import io.tollgate.core.store.StoreOverloadedException;
import io.tollgate.core.store.StoreUnavailableException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Answers "ok" on every path, for the problem-body tests of both web stacks. Its store runs on a clock that never
 * moves, so every figure is exact, and fails on purpose for two rules: {@value #UNAVAILABLE} (the store is down) and
 * {@value #OVERLOADED} (the store sheds).
 */
@SpringBootApplication
public class ProblemTestApplication {

    /** Rule whose store calls fail as if the store were unreachable. */
    public static final String UNAVAILABLE = "unavailable";

    /** Rule whose store calls fail as if the store were overloaded. */
    public static final String OVERLOADED = "overloaded";

    @Bean
    BucketStore scriptedStore() {
        return new ScriptedStore(new InMemoryBucketStore(() -> 1_700_000_000_000_000L, 1_000));
    }

    @RestController
    static class Everything {
        @RequestMapping("/**")
        String ok() {
            return "ok";
        }
    }

    /**
     * Delegates, except that {@code tryConsume} fails for the two rules above (bucket keys are {@code rule:client});
     * {@code tryConsumeAll} is not scripted: the problem responses come from single-bucket rules only.
     */
    private static final class ScriptedStore extends ForwardingBucketStore {

        ScriptedStore(BucketStore delegate) {
            super(delegate);
        }

        @Override
        public CompletionStage<Decision> tryConsume(String bucketKey, BucketSpec spec, long cost) {
            if (bucketKey.startsWith(UNAVAILABLE + ":")) {
                return CompletableFuture.failedFuture(new StoreUnavailableException("test: store down"));
            }
            if (bucketKey.startsWith(OVERLOADED + ":")) {
                return CompletableFuture.failedFuture(new StoreOverloadedException("test: store overloaded"));
            }
            return delegate.tryConsume(bucketKey, spec, cost);
        }

        @Override
        public String describe() {
            return "scripted " + delegate.describe();
        }
    }
}
