package io.tollgate.bench;

import java.util.List;

/**
 * One figure per client of the side-by-side rows, all measured in the same run on the same Redis: Tollgate as
 * configured by default (batched decisions once the store has them), Tollgate with {@code ?batch=false}, Bucket4j
 * on Lettuce as it comes, and Bucket4j with the flush consolidation Tollgate installs. {@code unbatched} is null when
 * this build's URL parser does not know {@code batch=false}.
 */
record Contenders<R>(R tollgate, R unbatched, R bucket4j, R bucket4jFlushed) {

    static final String TOLLGATE = "Tollgate (default)";
    static final String UNBATCHED = "Tollgate unbatched (`?batch=false`)";
    static final String BUCKET4J = "Bucket4j, default Lettuce";
    static final String BUCKET4J_FLUSHED = "Bucket4j + FlushConsolidationHandler";

    /** The names, in the order of the components. */
    static final List<String> NAMES = List.of(TOLLGATE, UNBATCHED, BUCKET4J, BUCKET4J_FLUSHED);

    /** From four values in the order of {@link #NAMES}. */
    static <R> Contenders<R> of(R[] values) {
        return new Contenders<>(values[0], values[1], values[2], values[3]);
    }

    /** The values in the order of {@link #NAMES}, null for one not measured. */
    List<R> inOrder() {
        return java.util.Arrays.asList(tollgate, unbatched, bucket4j, bucket4jFlushed);
    }
}
