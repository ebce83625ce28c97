package io.microsettle.cashout;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.microsettle.infra.AfterCommit;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Cash-out transitions as they commit, with each cash-out's age (so SETTLED's timer is POST-to-SETTLED
 * latency). A rolled-back change counts nothing. Names: docs/operations.md.
 */
@ApplicationScoped
public class CashoutMetrics {
    /** Buckets of the transition-age histogram: a cash-out settles in seconds to minutes. */
    static final Duration[] AGE_BUCKETS = {Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(20), Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(5),
            Duration.ofMinutes(15), Duration.ofHours(1), Duration.ofHours(6)};

    private final AfterCommit afterCommit;
    private final Map<CashoutStatus, Counter> transitions = new EnumMap<>(CashoutStatus.class);
    private final Map<CashoutStatus, Timer> ages = new EnumMap<>(CashoutStatus.class);

    @Inject
    public CashoutMetrics(MeterRegistry registry, AfterCommit afterCommit) {
        this.afterCommit = afterCommit;
        for (CashoutStatus s : CashoutStatus.values()) {
            transitions.put(s, Counter.builder("microsettle.cashout.transitions").tag("to", s.name())
                    .description("Cash-outs that entered a status (this replica)").register(registry));
            ages.put(s, Timer.builder("microsettle.cashout.age.at.transition").tag("to", s.name())
                    .description("Time from the cash-out request to entering the status").serviceLevelObjectives(AGE_BUCKETS)
                    .register(registry));
        }
    }

    /** Cash-outs (created at {@code createdAt}) entered {@code to} in the current transaction. */
    public void cashoutsMoved(CashoutStatus to, List<Instant> createdAt) {
        if (createdAt.isEmpty()) return;
        afterCommit.run(() -> {
            transitions.get(to).increment(createdAt.size());
            Instant now = Instant.now();
            Timer t = ages.get(to);
            for (Instant c : createdAt) t.record(Duration.between(c, now).isNegative() ? Duration.ZERO : Duration.between(c, now));
        });
    }
}
