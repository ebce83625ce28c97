package io.microsettle.settlement;

import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/** Runs the batcher on a fixed interval (microsettle.settlement.interval); one run at a time. */
@ApplicationScoped
public class SettlementScheduler {
    private static final Logger LOG = Logger.getLogger(SettlementScheduler.class);

    @Inject SettlementService settlement;
    @Inject SettlementAdmin admin;
    @Inject SettlementConfig cfg;

    @Scheduled(identity = "settlement-batcher", every = "${microsettle.settlement.interval:2s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void run() {
        if (!cfg.enabled()) return;
        try {
            SettlementService.TickResult r = settlement.tick();
            admin.retireDrained();
            if (r.batchesCreated() > 0 || r.transactionsBroadcast() > 0) LOG.infof("settlement tick: %s", r);
        } catch (RuntimeException e) {
            LOG.warnf(e, "settlement tick failed: %s", e.getMessage());
        }
    }
}
