package io.microsettle.settlement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchPlannerTest {

    static List<PayoutCandidate> candidates(String integrator, int n) {
        List<PayoutCandidate> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(new PayoutCandidate(integrator + "-co" + i, integrator, "acct", "0x" + "1".repeat(40), 110, 100, 10));
        return out;
    }

    @Test
    void gasCapBoundsBatchSizeBelowCountLimit() {
        GasModel gas = new GasModel(200_000, 32_000, GasModel.EIP_7825_TX_GAS_CAP);
        assertThat(gas.maxPayoutsWithinGasCap()).isEqualTo((16_777_216 - 200_000) / 32_000).isEqualTo(518);
        BatchPlanner planner = new BatchPlanner(1000, gas);
        assertThat(planner.payoutsPerBatch()).isEqualTo(518);
        var plan = planner.plan(candidates("a", 1200), 10);
        assertThat(plan).extracting(b -> b.payouts().size()).containsExactly(518, 518, 164);
        assertThat(plan).allSatisfy(b -> assertThat(b.estimatedGas()).isLessThanOrEqualTo(GasModel.EIP_7825_TX_GAS_CAP));
    }

    @Test
    void theEscrowsBatchCapAndWindowBoundTheBatchesSoNoneIsCertainToRevert() {
        BatchPlanner planner = new BatchPlanner(100, new GasModel(100_000, 30_000, 16_777_216));
        // gross 110 each: a batch cap of 350 takes 3 (330); a window of 800 takes 7 in all
        var plan = planner.plan(candidates("a", 20), 10, java.math.BigInteger.valueOf(350), java.math.BigInteger.valueOf(800));
        assertThat(plan).extracting(b -> b.payouts().size()).containsExactly(3, 3, 1);
        assertThat(plan.stream().mapToLong(b -> b.totalNetBaseUnits() + b.totalFeeBaseUnits()).sum()).isLessThanOrEqualTo(800);
        assertThat(plan).allSatisfy(b -> assertThat(b.totalNetBaseUnits() + b.totalFeeBaseUnits()).isLessThanOrEqualTo(350));
        // the ones left out stay in order for a later pass: the first seven were taken
        assertThat(plan.get(2).payouts().getFirst().cashoutId()).isEqualTo("a-co6");
        // a payout larger than the batch cap is never planned (it would revert)
        List<PayoutCandidate> big = List.of(new PayoutCandidate("big", "a", "acct", "0x" + "1".repeat(40), 500, 490, 10));
        assertThat(planner.plan(big, 10, java.math.BigInteger.valueOf(350), null)).isEmpty();
        assertThat(planner.plan(candidates("a", 5), 10, null, java.math.BigInteger.ZERO)).isEmpty();
    }

    @Test
    void countLimitBoundsWhenSmaller() {
        BatchPlanner planner = new BatchPlanner(3, new GasModel(100_000, 30_000, 16_777_216));
        var plan = planner.plan(candidates("a", 7), 10);
        assertThat(plan).extracting(b -> b.payouts().size()).containsExactly(3, 3, 1);
        assertThat(plan.get(0).estimatedGas()).isEqualTo(190_000);
        assertThat(plan.get(0).totalNetBaseUnits()).isEqualTo(300);
        assertThat(plan.get(0).totalFeeBaseUnits()).isEqualTo(30);
    }

    @Test
    void groupsPerIntegratorKeepsOrderAndBatchLimit() {
        List<PayoutCandidate> mixed = new ArrayList<>();
        var a = candidates("a", 3);
        var b = candidates("b", 2);
        mixed.add(a.get(0)); mixed.add(b.get(0)); mixed.add(a.get(1)); mixed.add(b.get(1)); mixed.add(a.get(2));
        var plan = new BatchPlanner(10, new GasModel(100_000, 30_000, 16_777_216)).plan(mixed, 10);
        assertThat(plan).hasSize(2);
        assertThat(plan.get(0).integratorId()).isEqualTo("a");
        assertThat(plan.get(0).payouts()).extracting(PayoutCandidate::cashoutId).containsExactly("a-co0", "a-co1", "a-co2");
        assertThat(plan.get(1).payouts()).extracting(PayoutCandidate::cashoutId).containsExactly("b-co0", "b-co1");
        assertThat(new BatchPlanner(2, new GasModel(100_000, 30_000, 16_777_216)).plan(mixed, 2)).hasSize(2);
    }

    @Test
    void rejectsGasCapAboveEip7825AndNonPositiveNet() {
        assertThatThrownBy(() -> new GasModel(100_000, 30_000, 30_000_000)).isInstanceOf(IllegalArgumentException.class);
        var bad = List.of(new PayoutCandidate("x", "a", "acct", "0x" + "1".repeat(40), 10, 0, 10));
        assertThatThrownBy(() -> new BatchPlanner(10, new GasModel(100_000, 30_000, 16_777_216)).plan(bad, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
