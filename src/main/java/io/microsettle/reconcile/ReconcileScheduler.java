package io.microsettle.reconcile;

import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/** Runs the log follower on a fixed interval (microsettle.reconcile.interval); one run at a time. */
@ApplicationScoped
public class ReconcileScheduler {
    private static final Logger LOG = Logger.getLogger(ReconcileScheduler.class);

    @Inject ReconcileService reconcile;
    @Inject ReconcileConfig cfg;

    @Scheduled(identity = "reconcile-follower", every = "${microsettle.reconcile.interval:2s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void run() {
        if (!cfg.enabled()) return;
        try {
            ReconcileService.TickResult r = reconcile.tick();
            if (r.logs() > 0 || r.reorgForkBlock() >= 0) LOG.infof("reconcile tick: %s", r);
        } catch (RuntimeException e) {
            LOG.warnf(e, "reconcile tick failed: %s", e.getMessage());
        }
    }
}
