package io.microsettle.audit;

import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/** Runs the anchorer on a fixed interval (microsettle.audit.anchor.interval); one run at a time. */
@ApplicationScoped
public class AnchorScheduler {
    private static final Logger LOG = Logger.getLogger(AnchorScheduler.class);

    @Inject
    Anchorer anchorer;
    @Inject
    AuditConfig config;

    @Scheduled(identity = "audit-anchorer", every = "${microsettle.audit.anchor.interval:5s}", delayed = "2s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void run() {
        if (!config.anchor().enabled()) return;
        try {
            Anchorer.TickResult r = anchorer.tick();
            if (r.outcome() == Anchorer.Outcome.FAILED) LOG.warnf("anchor tick: %s", r);
        } catch (RuntimeException e) {
            LOG.warnf("anchor tick failed: %s", e.getMessage());
        }
    }
}
