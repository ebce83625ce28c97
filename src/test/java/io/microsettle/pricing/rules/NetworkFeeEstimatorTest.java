package io.microsettle.pricing.rules;

import io.microsettle.infra.RuleConfigException;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NetworkFeeEstimatorTest {

    @Test
    void workedExample() {
        // 100 payouts: (28500*100 + 21000 + 60000) / 100 = 29310 gas; 11 gwei; 3000.5 TUSD/ETH; +10 %.
        // 29310 * 11e9 = 3.2241e14 wei; * 3000.5e6 / 1e18 = 967391.205; * 1.1 = 1064130.3255 -> 1064131.
        NetworkFeeEstimate e = NetworkFeeEstimator.estimate(Fixtures.gas());
        assertThat(e.gasPerPayoutUnits()).isEqualTo(29_310);
        assertThat(e.weiPerGas()).isEqualTo(11_000_000_000L);
        assertThat(e.weiPerPayout()).isEqualTo(BigInteger.valueOf(322_410_000_000_000L));
        assertThat(e.networkFeeBaseUnits()).isEqualTo(1_064_131);
        assertThat(e.gasInputs()).isEqualTo(Fixtures.gas());
    }

    @Test
    void feeHistoryUsesPendingBaseFeeAndMedianTip() {
        FeeHistory h = new FeeHistory(List.of(5L, 7L, 9L), List.of(30L, 10L, 20L, 1_000L));
        assertThat(h.nextBaseFeeWeiPerGas()).isEqualTo(9);
        assertThat(h.tipWeiPerGas()).isEqualTo(30); // sorted 10,20,30,1000: upper middle
        assertThat(new FeeHistory(List.of(1L), List.of(4L, 2L, 3L)).tipWeiPerGas()).isEqualTo(3);
        assertThat(new FeeHistory(List.of(1L), List.of()).tipWeiPerGas()).isZero();
        assertThatThrownBy(() -> new FeeHistory(List.of(), List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FeeHistory(List.of(-1L), List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FeeHistory(List.of(FeeHistory.MAX_WEI_PER_GAS + 1), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FeeHistory(List.of(1L), java.util.Collections.nCopies(FeeHistory.MAX_BLOCKS + 1, 1L)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void modelPicksMarginalGasByPayeeKind() {
        FeeHistory h = new FeeHistory(List.of(1_000_000_000L), List.of());
        GasInputs fresh = Fixtures.model().inputs(h, true);
        GasInputs known = Fixtures.model().inputs(h, false);
        assertThat(fresh.marginalGasUnits()).isEqualTo(28_500);
        assertThat(known.marginalGasUnits()).isEqualTo(11_500);
        assertThat(fresh.tipPercentile()).isEqualTo(50);
        assertThat(NetworkFeeEstimator.estimate(known).networkFeeBaseUnits())
                .isLessThan(NetworkFeeEstimator.estimate(fresh).networkFeeBaseUnits());
    }

    @Test
    void validationNamesTheBadField() {
        assertThatThrownBy(() -> new NetworkFeeModel(28_500, 30_000, 21_000, 60_000, 100, 50, 0, 1, 1))
                .isInstanceOf(RuleConfigException.class).hasMessageStartingWith("marginalGasExistingPayeeUnits:");
        assertThatThrownBy(() -> new NetworkFeeModel(28_500, 11_500, 21_000, 60_000, 1_001, 50, 0, 1, 1))
                .hasMessageStartingWith("expectedBatchSize:");
        assertThatThrownBy(() -> new NetworkFeeModel(28_500, 11_500, 21_000, 60_000, 100, 101, 0, 1, 1))
                .hasMessageStartingWith("tipPercentile:");
        assertThatThrownBy(() -> new NetworkFeeModel(28_500, 11_500, 21_000, 60_000, 100, 50, 10_001, 1, 1))
                .hasMessageStartingWith("safetyMarginBps:");
        assertThatThrownBy(() -> new NetworkFeeModel(28_500, 11_500, 21_000, 60_000, 100, 50, 0, 1, 0))
                .hasMessageStartingWith("tokenBaseUnitsPerEtherDenominator:");
        assertThatThrownBy(() -> Fixtures.gas().withExpectedBatchSize(0)).hasMessageStartingWith("expectedBatchSize:");
        assertThatThrownBy(() -> new GasInputs(0, 0, 0, 1, 0, 0, 0, 0, 0, 1)).hasMessageStartingWith("marginalGasUnits:");
    }

    @Test
    void zeroRateOrZeroGasPriceIsFree() {
        GasInputs g = Fixtures.gas();
        GasInputs freeRate = new GasInputs(g.marginalGasUnits(), g.intrinsicGasUnits(), g.batchOverheadGasUnits(),
                g.expectedBatchSize(), g.baseFeeWeiPerGas(), g.tipWeiPerGas(), 50, 500, 0, 1);
        GasInputs freeGas = new GasInputs(g.marginalGasUnits(), g.intrinsicGasUnits(), g.batchOverheadGasUnits(),
                g.expectedBatchSize(), 0, 0, 50, 500, 3_000_000_000L, 1);
        assertThat(NetworkFeeEstimator.estimate(freeRate).networkFeeBaseUnits()).isZero();
        assertThat(NetworkFeeEstimator.estimate(freeGas).networkFeeBaseUnits()).isZero();
    }

    @Test
    void anyNonZeroCostRoundsUpToAtLeastOneBaseUnit() {
        GasInputs tiny = new GasInputs(1, 0, 0, 1, 1, 0, 50, 0, 1, 1); // 1 wei at 1e-18 units/wei
        assertThat(NetworkFeeEstimator.estimate(tiny).networkFeeBaseUnits()).isEqualTo(1);
    }

    @Test
    void fullerBatchesAreNeverDearerOverEverySize() {
        GasInputs g = Fixtures.gas();
        long previous = Long.MAX_VALUE;
        for (int n = 1; n <= NetworkFeeModel.MAX_BATCH_SIZE; n++) {
            long fee = NetworkFeeEstimator.estimate(g.withExpectedBatchSize(n)).networkFeeBaseUnits();
            assertThat(fee).as("batch size %d", n).isLessThanOrEqualTo(previous);
            previous = fee;
        }
        long single = NetworkFeeEstimator.estimate(g.withExpectedBatchSize(1)).networkFeeBaseUnits();
        long full = NetworkFeeEstimator.estimate(g.withExpectedBatchSize(1_000)).networkFeeBaseUnits();
        assertThat(full).isLessThan(single / 3); // 109.5k vs 28.58k gas per payout
    }

    @Test
    void propertyExactCeilingAndMonotonicity() {
        SplittableRandom rnd = new SplittableRandom(Fixtures.SEED);
        for (int i = 0; i < 20_000; i++) {
            GasInputs g = Fixtures.randomGas(rnd);
            long fee = NetworkFeeEstimator.estimate(g).networkFeeBaseUnits();

            // fee = ceil(exact): fee * den >= num > (fee - 1) * den, computed independently.
            BigInteger n = BigInteger.valueOf(g.expectedBatchSize());
            BigInteger num = BigInteger.valueOf(g.marginalGasUnits()).multiply(n)
                    .add(BigInteger.valueOf(g.intrinsicGasUnits() + g.batchOverheadGasUnits()))
                    .multiply(BigInteger.valueOf(g.baseFeeWeiPerGas() + g.tipWeiPerGas()))
                    .multiply(BigInteger.valueOf(g.tokenBaseUnitsPerEtherNumerator()))
                    .multiply(BigInteger.valueOf(10_000 + g.safetyMarginBps()));
            BigInteger den = n.multiply(BigInteger.TEN.pow(18))
                    .multiply(BigInteger.valueOf(g.tokenBaseUnitsPerEtherDenominator()))
                    .multiply(BigInteger.valueOf(10_000));
            assertThat(BigInteger.valueOf(fee).multiply(den)).as("%s", g).isGreaterThanOrEqualTo(num);
            assertThat(BigInteger.valueOf(fee - 1).multiply(den)).as("%s", g).isLessThan(num);

            // Fuller batch: never dearer.
            int bigger = rnd.nextInt(g.expectedBatchSize(), NetworkFeeModel.MAX_BATCH_SIZE + 1);
            assertThat(NetworkFeeEstimator.estimate(g.withExpectedBatchSize(bigger)).networkFeeBaseUnits())
                    .as("%s -> %d", g, bigger).isLessThanOrEqualTo(fee);
            // Higher base fee, tip or margin: never cheaper.
            GasInputs dearer = new GasInputs(g.marginalGasUnits(), g.intrinsicGasUnits(), g.batchOverheadGasUnits(),
                    g.expectedBatchSize(), Math.min(FeeHistory.MAX_WEI_PER_GAS, g.baseFeeWeiPerGas() + rnd.nextInt(1_000_000)),
                    Math.min(FeeHistory.MAX_WEI_PER_GAS, g.tipWeiPerGas() + rnd.nextInt(1_000)), g.tipPercentile(),
                    Math.min(NetworkFeeModel.MAX_SAFETY_MARGIN_BPS, g.safetyMarginBps() + rnd.nextInt(100)),
                    g.tokenBaseUnitsPerEtherNumerator(), g.tokenBaseUnitsPerEtherDenominator());
            assertThat(NetworkFeeEstimator.estimate(dearer).networkFeeBaseUnits()).isGreaterThanOrEqualTo(fee);

            NetworkFeeEstimate e = NetworkFeeEstimator.estimate(g);
            assertThat(e.gasPerPayoutUnits()).isGreaterThanOrEqualTo(g.marginalGasUnits());
            assertThat(e.weiPerPayout()).isGreaterThanOrEqualTo(BigInteger.ZERO);
        }
    }
}
