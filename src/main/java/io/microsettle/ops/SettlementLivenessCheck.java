package io.microsettle.ops;

import io.microsettle.settlement.SettlementScheduler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Liveness: the settlement loop is not wedged (no pass has been running longer than
 * {@code microsettle.ops.settlement-pass-max-millis}; every chain call in a pass has a timeout, so a pass
 * that long means a restart is the fix). Reads memory only: no database, no chain (their outages are
 * readiness matters, and restarting would not cure them).
 */
@Liveness
@ApplicationScoped
public class SettlementLivenessCheck implements HealthCheck {
    @Inject SettlementScheduler scheduler;
    @Inject OpsConfig cfg;

    @Override
    public HealthCheckResponse call() {
        long running = scheduler.passRunningMillis();
        var r = HealthCheckResponse.named("settlement-loop").withData("passRunningMillis", running);
        if (running > cfg.settlementPassMaxMillis()) {
            return r.down().withData("reason", "settlement_pass_stuck")
                    .withData("detail", "one pass has run " + running + " ms (limit " + cfg.settlementPassMaxMillis() + " ms)").build();
        }
        return r.up().build();
    }
}
