package io.microsettle.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.microsettle.cashout.CashoutStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What the features report as it happens: cash-out transitions (with each cash-out's age, so SETTLED's
 * timer is POST-to-SETTLED latency), batch sizes, gas and fees paid, webhook failures. Counted once the
 * transaction that made the change commits (a rolled-back change counts nothing). The gauges that read
 * the database are {@link OpsGauges}'. Names: docs/operations.md.
 */
@ApplicationScoped
public class OpsMetrics {
    /** Buckets of the transition-age histogram: a cash-out settles in seconds to minutes. */
    static final Duration[] AGE_BUCKETS = {Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(20), Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(5),
            Duration.ofMinutes(15), Duration.ofHours(1), Duration.ofHours(6)};

    private final TransactionSynchronizationRegistry transactions;
    private final Map<CashoutStatus, Counter> transitions = new EnumMap<>(CashoutStatus.class);
    private final Map<CashoutStatus, Timer> ages = new EnumMap<>(CashoutStatus.class);
    private final DistributionSummary batchPayouts;
    private final Counter gasUsed;
    private final Counter feesPaidWei;
    private final Counter minedTransactions;
    private final Counter webhookRetrying;
    private final Counter webhookGaveUp;

    @Inject
    public OpsMetrics(MeterRegistry registry, TransactionSynchronizationRegistry transactions) {
        this.transactions = transactions;
        for (CashoutStatus s : CashoutStatus.values()) {
            transitions.put(s, Counter.builder("microsettle.cashout.transitions").tag("to", s.name())
                    .description("Cash-outs that entered a status (this replica)").register(registry));
            ages.put(s, Timer.builder("microsettle.cashout.age.at.transition").tag("to", s.name())
                    .description("Time from the cash-out request to entering the status").serviceLevelObjectives(AGE_BUCKETS)
                    .register(registry));
        }
        batchPayouts = DistributionSummary.builder("microsettle.settlement.batch.payouts").baseUnit("payouts")
                .description("Payouts per settlement batch").serviceLevelObjectives(1, 10, 50, 100, 250, 500, 1000).register(registry);
        gasUsed = Counter.builder("microsettle.settlement.gas.used").description("Gas used by mined settlement transactions")
                .register(registry);
        feesPaidWei = Counter.builder("microsettle.settlement.fees.paid.wei")
                .description("Network fees paid by mined settlement transactions (gas used x effective gas price), in wei").register(registry);
        minedTransactions = Counter.builder("microsettle.settlement.transactions.mined").description("Settlement transactions mined")
                .register(registry);
        webhookRetrying = Counter.builder("microsettle.webhook.delivery.failures").tag("final", "false")
                .description("Failed webhook delivery attempts (final: the delivery was given up)").register(registry);
        webhookGaveUp = Counter.builder("microsettle.webhook.delivery.failures").tag("final", "true")
                .description("Failed webhook delivery attempts (final: the delivery was given up)").register(registry);
    }

    /** Cash-outs (created at {@code createdAt}) entered {@code to} in the current transaction. */
    public void cashoutsMoved(CashoutStatus to, List<Instant> createdAt) {
        if (createdAt.isEmpty()) return;
        afterCommit(() -> {
            transitions.get(to).increment(createdAt.size());
            Instant now = Instant.now();
            Timer t = ages.get(to);
            for (Instant c : createdAt) t.record(Duration.between(c, now).isNegative() ? Duration.ZERO : Duration.between(c, now));
        });
    }

    /** A batch of {@code payouts} was created (call after its transaction committed, or inside it). */
    public void batchCreated(int payouts) {
        afterCommit(() -> batchPayouts.record(payouts));
    }

    /** A settlement transaction was recorded as mined for the first time. */
    public void transactionMined(long gas, BigInteger effectiveGasPriceWei) {
        afterCommit(() -> {
            minedTransactions.increment();
            gasUsed.increment(gas);
            feesPaidWei.increment(new java.math.BigDecimal(effectiveGasPriceWei.multiply(BigInteger.valueOf(gas))).doubleValue());
        });
    }

    /** A webhook delivery attempt failed; {@code gaveUp}: the delivery will not be tried again. */
    public void webhookFailed(boolean gaveUp) {
        afterCommit(() -> (gaveUp ? webhookGaveUp : webhookRetrying).increment());
    }

    /** Runs {@code r} once the current transaction commits (not at all if it rolls back); at once without one. */
    void afterCommit(Runnable r) {
        if (transactions.getTransactionStatus() != Status.STATUS_ACTIVE) {
            r.run();
            return;
        }
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {}

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) r.run();
            }
        });
    }
}
