package io.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.store.AllOrNothingContract;
import io.tollgate.core.store.BucketCall;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.ManualClock;
import io.tollgate.testsupport.redis.RedisExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link AllOrNothingContract} on one real Redis, batched (the default) and with {@code batch=false}, plus what the
 * script guarantees beyond it: a denied or check-only request writes no key, written keys expire, many requests
 * share script calls without mixing their groups, and a flushed script is reloaded.
 */
class RedisAllOrNothingTest extends AllOrNothingContract {

    @RegisterExtension
    static final RedisExtension REDIS = RedisExtension.standalone();

    static final BucketSpec SIX = BucketSpec.of(Limit.of(6, 1, RefillPeriod.HOUR));

    static List<BucketStore> connect(ManualClock clock, int n, boolean batching) {
        List<BucketStore> stores = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            stores.add(RedisBucketStore.connect(HarnessSettings.of(REDIS).toBuilder().batching(batching)
                    .timeout(Duration.ofSeconds(2)).build(), null, clock));
        }
        return stores;
    }

    @Override
    protected List<BucketStore> clients(ManualClock clock, int n) {
        return connect(clock, n, true);
    }

    @Nested
    class Unbatched extends AllOrNothingContract {
        @Override
        protected List<BucketStore> clients(ManualClock clock, int n) {
            return connect(clock, n, false);
        }
    }

    /** Runs {@code body} with {@code store} and an admin connection to {@code redis}; closes both after. */
    static void withAdmin(RedisExtension redis, RedisBucketStore store,
            BiConsumer<RedisBucketStore, RedisCommands<String, String>> body) {
        RedisClient client = RedisClient.create(redis.server().uri());
        try (store; StatefulRedisConnection<String, String> admin = client.connect()) {
            body.accept(store, admin.sync());
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    static RedisBucketStore store(boolean batching) {
        return (RedisBucketStore) connect(new ManualClock(T0), 1, batching).get(0);
    }

    static List<Decision> join(CompletableFuture<List<Decision>> f) {
        return f.orTimeout(20, TimeUnit.SECONDS).join();
    }

    static String key(String bucketKey, BucketSpec spec) {
        return RedisKeys.key(RedisConnectionSettings.DEFAULT_KEY_PREFIX, bucketKey, spec);
    }

    @Test
    void deniedAndCheckOnlyRequestsWriteNoKeyAndWrittenKeysExpire() {
        withAdmin(REDIS, store(true), (store, redis) -> {
            join(store.tryConsumeAll(List.of(new BucketCall("w-full", SIX, 6))).toCompletableFuture());
            join(store.tryConsumeAll(List.of(new BucketCall("w-a", SIX, 1), new BucketCall("w-full", SIX, 1),
                    new BucketCall("w-check", SIX, 0))).toCompletableFuture());
            assertThat(redis.exists(key("w-a", SIX))).as("denied request").isZero();
            join(store.tryConsumeAll(List.of(new BucketCall("w-check", SIX, 0), new BucketCall("w-b", SIX, 2)))
                    .toCompletableFuture());
            assertThat(redis.exists(key("w-check", SIX))).as("check only").isZero();
            assertThat(redis.pttl(key("w-b", SIX))).isPositive();
            assertThat(redis.pttl(key("w-full", SIX))).isPositive();
        });
    }

    /**
     * Many requests in flight at once share script calls; each is still decided as a whole: over overlapping buckets
     * every bucket gave exactly what it lost, and every request's decisions agree on whether it was admitted.
     */
    @Test
    void batchedRequestsKeepTheirGroupsWhole() {
        withAdmin(REDIS, store(true), (store, redis) -> {
            long before = RedisBatchingTest.scriptCalls(redis);
            Random random = new Random(7);
            BucketSpec spec = BucketSpec.of(Limit.of(100, 1, RefillPeriod.HOUR));
            long[] taken = new long[6];
            int requests = 0;
            for (int round = 0; round < 4; round++) {
                List<List<BucketCall>> sent = new ArrayList<>();
                List<CompletableFuture<List<Decision>>> answers = new ArrayList<>();
                for (int r = 0; r < 300; r++) {
                    List<BucketCall> calls = new ArrayList<>();
                    for (int i = 1 + random.nextInt(4); i > 0; i--) {
                        calls.add(new BucketCall("g-" + random.nextInt(6), spec, random.nextInt(3)));
                    }
                    sent.add(calls);
                    answers.add(store.tryConsumeAll(calls).toCompletableFuture());
                }
                for (int r = 0; r < sent.size(); r++) {
                    if (BucketStore.admitted(join(answers.get(r)))) {
                        for (BucketCall c : sent.get(r)) {
                            taken[Integer.parseInt(c.bucketKey().substring(2))] += c.cost();
                        }
                    }
                }
                requests += sent.size();
            }
            long calls = RedisBatchingTest.scriptCalls(redis) - before;
            System.out.printf("all-or-nothing batched: %d requests in %d script calls%n", requests, calls);
            assertThat(calls).isLessThan(requests / 3);
            for (int k = 0; k < taken.length; k++) {
                assertThat(taken[k]).isLessThanOrEqualTo(100);
                List<Decision> check = join(store.tryConsumeAll(List.of(new BucketCall("g-" + k, spec, 0)))
                        .toCompletableFuture());
                assertThat(check.get(0).remaining()).as("g-" + k).isEqualTo(100 - taken[k]);
            }
        });
    }

    @Test
    void aFlushedScriptIsReloadedForAGroup() {
        withAdmin(REDIS, store(false), (store, redis) -> {
            join(store.tryConsumeAll(List.of(new BucketCall("f-a", SIX, 1))).toCompletableFuture());
            redis.scriptFlush();
            List<Decision> d = join(store.tryConsumeAll(List.of(new BucketCall("f-a", SIX, 2),
                    new BucketCall("f-b", SIX, 6))).toCompletableFuture());
            assertThat(BucketStore.admitted(d)).isTrue();
            assertThat(d).extracting(Decision::remaining).containsExactly(3L, 0L);
        });
    }
}
