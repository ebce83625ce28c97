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
    /** When the pass under way started (System.nanoTime()), 0 while none runs: the liveness check reads it. */
    private volatile long passStartedNanos;

    @Scheduled(identity = "settlement-batcher", every = "${microsettle.settlement.interval:2s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void run() {
        if (!cfg.enabled()) return;
        passStartedNanos = System.nanoTime() | 1;
        try {
            SettlementService.TickResult r = settlement.tick();
            admin.retireDrained();
            if (r.batchesCreated() > 0 || r.transactionsBroadcast() > 0) LOG.infof("settlement tick: %s", r);
        } catch (RuntimeException e) {
            LOG.warnf(e, "settlement tick failed: %s", e.getMessage());
        } finally {
            passStartedNanos = 0;
        }
    }

    /** How long the pass under way has been running, in milliseconds; 0 when none runs. */
    public long passRunningMillis() {
        long started = passStartedNanos;
        return started == 0 ? 0 : (System.nanoTime() - started) / 1_000_000;
    }
}
