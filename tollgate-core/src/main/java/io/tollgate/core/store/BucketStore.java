package io.tollgate.core.store;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Where bucket state lives. Implementations refill, check and consume atomically, so concurrent callers (threads,
 * or application instances sharing a Redis) can never admit more than a bucket allows.
 *
 * <p>Every method returns at once; no caller thread ever blocks. A stage completes exceptionally with a
 * {@link StoreException} (usually {@link StoreTimeoutException} or {@link StoreUnavailableException}) when the store
 * cannot decide within its time budget.
 */
public interface BucketStore extends AutoCloseable {

    /**
     * Takes {@code cost} tokens from every limit of the bucket {@code bucketKey} if all of them hold enough, otherwise
     * takes nothing. A cost larger than some capacity is denied at once with
     * {@link Decision.Reason#COST_EXCEEDS_CAPACITY}, without touching the store.
     *
     * @param bucketKey identifies the bucket (for example {@code rule:client}); the store keeps buckets of different
     *                  {@link BucketSpec#fingerprint() specs} apart on its own
     * @param spec      the limits to enforce
     * @param cost      tokens to take, at least 1
     */
    CompletionStage<Decision> tryConsume(String bucketKey, BucketSpec spec, long cost);

    /**
     * Reserves {@code cost} tokens of the bucket, waiting if need be: the waiting acquisition of outbound calls. In one
     * atomic step the store either takes the tokens now ({@link Decision#aheadMicros()} 0), or, when the bucket lacks
     * them but would hold them within {@code maxWaitMicros}, takes them from the future: the bucket goes into debt by
     * at most {@code rate × maxWait}, its state moves to the time the tokens exist, and the decision is allowed with
     * {@link Decision#aheadMicros()} the wait the caller must sit out before using them. Otherwise (the cost exceeds a
     * capacity, or the wait would be longer) nothing is taken and the decision is denied at once; its
     * {@link Decision#retryAfterMicros()} says when the cost would be there.
     *
     * <p>Later requests queue behind a reservation: the bucket holds less than one microsecond's refill after it, so
     * they are denied (or reserve after it) until time catches up. A reservation is never given back (a cancelled wait
     * keeps its tokens taken), which keeps every denial the store gave valid: levels only fall faster than refill.
     *
     * <p>Stores that cannot reserve complete exceptionally with {@link UnsupportedOperationException}.
     *
     * @param maxWaitMicros the longest wait the caller accepts, at least 0 (0 is {@link #tryConsume})
     */
    default CompletionStage<Decision> tryReserve(String bucketKey, BucketSpec spec, long cost, long maxWaitMicros) {
        return java.util.concurrent.CompletableFuture.failedFuture(
                new UnsupportedOperationException(describe() + " cannot reserve tokens"));
    }

    /**
     * Decides several buckets as one request, all or nothing: the descriptors of one Envoy request, for example.
     *
     * <ul>
     *   <li>Every call is decided at one instant, in list order, against the same state: nothing else happens to these
     *       buckets in between.</li>
     *   <li>The request is allowed when every call with a cost above 0 is allowed; then each call takes its cost.
     *       Otherwise no call takes anything, and each decision says whether its bucket alone would have allowed its
     *       cost: {@link Decision#allowed()} per call lets a caller report which descriptors are over the limit. So
     *       the request was admitted exactly when {@link #admitted every decision is allowed}.</li>
     *   <li>Levels: after consumption when the request is admitted; after refill only (nothing taken) when it is
     *       not.</li>
     *   <li>A call with cost 0 is a check: its bucket is read, never written, and its decision is allowed and reports
     *       the tokens left.</li>
     *   <li>The same bucket (key and spec) twice in one list: the later call sees the earlier one's cost taken, also
     *       when deciding a request that is then denied (so its decision reports what it would see if the request
     *       passed).</li>
     *   <li>When some call's cost exceeds its spec's capacity the request can never pass: the store is not asked and
     *       every decision is {@link Decision.Reason#COST_EXCEEDS_CAPACITY} (carrying no store state); the calls at
     *       fault are those whose {@link BucketCall#exceedsCapacity()} holds.</li>
     * </ul>
     * A store that cannot make its keys atomic together (Redis Cluster, keys on several nodes) documents the weaker
     * guarantee it gives instead.
     *
     * @param calls the buckets of one request, at least one
     * @return one decision per call, in the order of {@code calls}
     */
    CompletionStage<List<Decision>> tryConsumeAll(List<BucketCall> calls);

    /** Whether a {@link #tryConsumeAll} answer admitted its request: every decision is allowed. */
    static boolean admitted(List<Decision> decisions) {
        for (Decision d : decisions) {
            if (!d.allowed()) {
                return false;
            }
        }
        return true;
    }

    /**
     * The answer to a {@link #tryConsumeAll} request with a cost above some capacity, or null when every cost fits.
     * Stores use it before asking their state, so such a request never touches the store.
     *
     * @param nowMicros the time the decisions report
     */
    static List<Decision> neverAllowed(List<BucketCall> calls, long nowMicros) {
        boolean never = false;
        for (BucketCall c : calls) {
            never |= c.exceedsCapacity();
        }
        if (!never) {
            return null;
        }
        Decision[] out = new Decision[calls.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Decision.costExceedsCapacity(calls.get(i).spec(), calls.get(i).cost(), nowMicros);
        }
        return List.of(out);
    }

    /** Completes normally when the store answers, exceptionally with a {@link StoreException} otherwise. */
    CompletionStage<Void> ping();

    /** Short description for logs and health output, such as {@code redis standalone 127.0.0.1:6379}. Never holds a password. */
    String describe();

    /** True when state is shared between application instances. */
    boolean distributed();

    @Override
    void close();
}
