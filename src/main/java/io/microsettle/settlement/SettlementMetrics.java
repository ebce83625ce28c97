package io.microsettle.settlement;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.microsettle.infra.AfterCommit;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.math.BigInteger;

/** Batch sizes, gas used and fees paid, counted once the recording transaction commits. Names: docs/operations.md. */
@ApplicationScoped
public class SettlementMetrics {
    private final AfterCommit afterCommit;
    private final DistributionSummary batchPayouts;
    private final Counter gasUsed;
    private final Counter feesPaidWei;
    private final Counter minedTransactions;

    @Inject
    public SettlementMetrics(MeterRegistry registry, AfterCommit afterCommit) {
        this.afterCommit = afterCommit;
        batchPayouts = DistributionSummary.builder("microsettle.settlement.batch.payouts").baseUnit("payouts")
                .description("Payouts per settlement batch").serviceLevelObjectives(1, 10, 50, 100, 250, 500, 1000).register(registry);
        gasUsed = Counter.builder("microsettle.settlement.gas.used").description("Gas used by mined settlement transactions")
                .register(registry);
        feesPaidWei = Counter.builder("microsettle.settlement.fees.paid.wei")
                .description("Network fees paid by mined settlement transactions (gas used x effective gas price), in wei").register(registry);
        minedTransactions = Counter.builder("microsettle.settlement.transactions.mined").description("Settlement transactions mined")
                .register(registry);
    }

    /** A batch of {@code payouts} was created (call after its transaction committed, or inside it). */
    public void batchCreated(int payouts) {
        afterCommit.run(() -> batchPayouts.record(payouts));
    }

    /** A settlement transaction was recorded as mined for the first time. */
    public void transactionMined(long gas, BigInteger effectiveGasPriceWei) {
        afterCommit.run(() -> {
            minedTransactions.increment();
            gasUsed.increment(gas);
            feesPaidWei.increment(new BigDecimal(effectiveGasPriceWei.multiply(BigInteger.valueOf(gas))).doubleValue());
        });
    }
}
