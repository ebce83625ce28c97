package io.microsettle.settlement;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Groups candidates per integrator (one funder per integrator) and packs them into batches bounded by
 * count and by estimated gas. Keeps the input order (oldest first) within an integrator.
 */
public final class BatchPlanner {

    public record PlannedBatch(String integratorId, List<PayoutCandidate> payouts, long estimatedGas) {
        public long totalNetBaseUnits() { return payouts.stream().mapToLong(PayoutCandidate::netBaseUnits).sum(); }
        public long totalFeeBaseUnits() { return payouts.stream().mapToLong(PayoutCandidate::feeBaseUnits).sum(); }
        /** What the batch takes from the escrow's window (the planner's measure). */
        public long totalGrossBaseUnits() { return payouts.stream().mapToLong(PayoutCandidate::grossBaseUnits).sum(); }
    }

    private final int maxPayoutsPerBatch;
    private final GasModel gas;

    public BatchPlanner(int maxPayoutsPerBatch, GasModel gas) {
        if (maxPayoutsPerBatch <= 0) throw new IllegalArgumentException("maxPayoutsPerBatch must be positive");
        this.maxPayoutsPerBatch = maxPayoutsPerBatch;
        this.gas = gas;
    }

    private static long cap(java.math.BigInteger v) {
        return v == null ? Long.MAX_VALUE : v.min(java.math.BigInteger.valueOf(Long.MAX_VALUE)).longValueExact();
    }

    /** The effective per-batch bound: the smaller of the count limit and what fits under the gas cap. */
    public int payoutsPerBatch() {
        return Math.min(maxPayoutsPerBatch, gas.maxPayoutsWithinGasCap());
    }

    public List<PlannedBatch> plan(List<PayoutCandidate> candidates, int maxBatches) {
        return plan(candidates, maxBatches, null, null);
    }

    /**
     * As above, and each batch's gross total at most {@code maxBatchGross} and all batches together at
     * most {@code windowRemainingGross} (the escrow's caps at this block; null: no cap), so that no
     * batch is certain to revert. Candidates that do not fit stay for a later pass, in order.
     */
    public List<PlannedBatch> plan(List<PayoutCandidate> candidates, int maxBatches, java.math.BigInteger maxBatchGross,
                                   java.math.BigInteger windowRemainingGross) {
        Map<String, List<PayoutCandidate>> byIntegrator = new LinkedHashMap<>();
        for (PayoutCandidate c : candidates) {
            if (c.netBaseUnits() <= 0 || c.feeBaseUnits() < 0)
                throw new IllegalArgumentException("cash-out " + c.cashoutId() + " has a non-positive net amount");
            byIntegrator.computeIfAbsent(c.integratorId(), k -> new ArrayList<>()).add(c);
        }
        int size = payoutsPerBatch();
        long windowLeft = cap(windowRemainingGross);
        long batchCap = cap(maxBatchGross);
        List<PlannedBatch> out = new ArrayList<>();
        for (var e : byIntegrator.entrySet()) {
            List<PayoutCandidate> chunk = new ArrayList<>();
            long total = 0;
            for (PayoutCandidate c : e.getValue()) {
                if (out.size() >= maxBatches) break;
                long gross = c.grossBaseUnits();
                if (chunk.size() == size || total + gross > batchCap || total + gross > windowLeft) {
                    if (!chunk.isEmpty()) {
                        out.add(new PlannedBatch(e.getKey(), List.copyOf(chunk), gas.estimateGas(chunk.size())));
                        windowLeft -= total;
                        chunk.clear();
                        total = 0;
                    }
                    if (gross > batchCap || gross > windowLeft || out.size() >= maxBatches) continue;
                }
                chunk.add(c);
                total += gross;
            }
            if (!chunk.isEmpty() && out.size() < maxBatches) {
                out.add(new PlannedBatch(e.getKey(), List.copyOf(chunk), gas.estimateGas(chunk.size())));
                windowLeft -= total;
            }
        }
        return out;
    }
}
