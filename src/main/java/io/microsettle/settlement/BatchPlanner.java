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
    }

    private final int maxPayoutsPerBatch;
    private final GasModel gas;

    public BatchPlanner(int maxPayoutsPerBatch, GasModel gas) {
        if (maxPayoutsPerBatch <= 0) throw new IllegalArgumentException("maxPayoutsPerBatch must be positive");
        this.maxPayoutsPerBatch = maxPayoutsPerBatch;
        this.gas = gas;
    }

    /** The effective per-batch bound: the smaller of the count limit and what fits under the gas cap. */
    public int payoutsPerBatch() {
        return Math.min(maxPayoutsPerBatch, gas.maxPayoutsWithinGasCap());
    }

    public List<PlannedBatch> plan(List<PayoutCandidate> candidates, int maxBatches) {
        Map<String, List<PayoutCandidate>> byIntegrator = new LinkedHashMap<>();
        for (PayoutCandidate c : candidates) {
            if (c.netBaseUnits() <= 0 || c.feeBaseUnits() < 0)
                throw new IllegalArgumentException("cash-out " + c.cashoutId() + " has a non-positive net amount");
            byIntegrator.computeIfAbsent(c.integratorId(), k -> new ArrayList<>()).add(c);
        }
        int size = payoutsPerBatch();
        List<PlannedBatch> out = new ArrayList<>();
        for (var e : byIntegrator.entrySet()) {
            List<PayoutCandidate> all = e.getValue();
            for (int i = 0; i < all.size() && out.size() < maxBatches; i += size) {
                List<PayoutCandidate> chunk = List.copyOf(all.subList(i, Math.min(all.size(), i + size)));
                out.add(new PlannedBatch(e.getKey(), chunk, gas.estimateGas(chunk.size())));
            }
        }
        return out;
    }
}
