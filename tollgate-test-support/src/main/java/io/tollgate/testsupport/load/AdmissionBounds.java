package io.tollgate.testsupport.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Checks admissions per client identity against the token bucket: never more than {@code capacity + rate x span},
 * and, when demand never pauses, never fewer than the tokens that accrued while requests kept coming.
 *
 * <p>For one identity, let its samples span {@code [firstStart, lastEnd]}. The bucket starts full at its first
 * decision (at or after {@code firstStart}) and refills at {@code rate} until the last decision (at or before
 * {@code lastEnd}), so at most {@code capacity + rate * (lastEnd - firstStart)} can be admitted. With demand never
 * pausing, every token that accrued between the first answer ({@code firstEnd}) and the last request's start must
 * have been handed out, up to one token that accrued last: at least {@code capacity + rate * (lastStart - firstEnd) - 1}.
 *
 * @param admitted     answers with status 200, all identities together
 * @param maxAllowed   the sum of the upper bounds
 * @param expectedMin  the sum of the lower bounds
 * @param overAdmitted admissions beyond each identity's upper bound, summed
 * @param shortfall    admissions missing below each identity's lower bound, summed
 * @param outside      one line per identity outside its bounds
 */
public record AdmissionBounds(long admitted, long maxAllowed, long expectedMin, long overAdmitted, long shortfall,
                              List<String> outside) {

    /** The ratio of the total shortfall to the total expected minimum. */
    public double underAdmission() {
        return expectedMin == 0 ? 0 : (double) shortfall / expectedMin;
    }

    /**
     * Totals over every identity in {@code samples} (answers with status 200 count as admitted), for a bucket of
     * {@code capacity} whole tokens refilled at {@code ratePerSecond}. {@code outside} names each identity outside
     * its bounds.
     */
    public static AdmissionBounds of(List<Sample> samples, long capacity, long ratePerSecond) {
        Map<Integer, List<Sample>> byIdentity = samples.stream()
                .collect(Collectors.groupingBy(Sample::identity, TreeMap::new, Collectors.toList()));
        long admitted = 0;
        long maxTotal = 0;
        long minTotal = 0;
        long over = 0;
        long shortfall = 0;
        List<String> outside = new ArrayList<>();
        for (Map.Entry<Integer, List<Sample>> e : byIdentity.entrySet()) {
            List<Sample> s = e.getValue();
            long firstStart = s.stream().mapToLong(Sample::startNanos).min().orElseThrow();
            long firstEnd = s.stream().mapToLong(Sample::endNanos).min().orElseThrow();
            long lastStart = s.stream().mapToLong(Sample::startNanos).max().orElseThrow();
            long lastEnd = s.stream().mapToLong(Sample::endNanos).max().orElseThrow();
            long ok = s.stream().filter(x -> x.status() == 200).count();
            long max = capacity + Math.floorDiv(ratePerSecond * (lastEnd - firstStart), 1_000_000_000L);
            long min = Math.max(0, capacity + Math.floorDiv(ratePerSecond * Math.max(0, lastStart - firstEnd),
                    1_000_000_000L) - 1);
            admitted += ok;
            maxTotal += max;
            minTotal += min;
            over += Math.max(0, ok - max);
            shortfall += Math.max(0, min - ok);
            if (ok > max || ok < min) {
                outside.add("identity " + e.getKey() + ": admitted " + ok + ", allowed [" + min + ", " + max + "]");
            }
        }
        return new AdmissionBounds(admitted, maxTotal, minTotal, over, shortfall, outside);
    }
}
