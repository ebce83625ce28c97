package io.microsettle.settlement;

import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * Runs the batcher on a fixed interval (microsettle.settlement.interval); one run at a time. A run whose tick filled a
 * lane (it created the most batches a tick may) ticks again at once, up to {@link #MAX_TICKS_PER_RUN} times: a lane
 * that drains a deep queue does not sit idle until the next interval (a 2.3 s pass on a 1 s interval waited up to
 * a second for the next one, a third of a lane's sending time on a chain that makes a block a second).
 */
@ApplicationScoped
public class SettlementScheduler {
    private static final Logger LOG = Logger.getLogger(SettlementScheduler.class);
    /** At most this many ticks in one scheduled run. */
    static final int MAX_TICKS_PER_RUN = 20;

    @Inject SettlementService settlement;
    @Inject SettlementAdmin admin;
    @Inject SettlementConfig cfg;
    /** When the pass under way started (System.nanoTime()), 0 while none runs: the liveness check reads it. */
    private volatile long passStartedNanos;

    @Scheduled(identity = "settlement-batcher", every = "${microsettle.settlement.interval:2s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void run() {
        if (!cfg.enabled()) return;
        // tickAgain bounds the run at MAX_TICKS_PER_RUN
        for (int ticks = 1; tickAgain(tickOnce(), ticks); ticks++) {
            assert ticks < MAX_TICKS_PER_RUN : "a run ticks at most " + MAX_TICKS_PER_RUN + " times";
        }
    }

    /** Whether a run ticks again at once after its {@code ticksRun}-th tick: a lane was full, and the run is under its limit. */
    static boolean tickAgain(SettlementService.TickResult r, int ticksRun) {
        return r != null && r.laneFull() && ticksRun < MAX_TICKS_PER_RUN;
    }

    /** One tick; null when it failed (logged). */
    private SettlementService.TickResult tickOnce() {
        passStartedNanos = System.nanoTime() | 1;
        try {
            SettlementService.TickResult r = settlement.tick();
            admin.retireDrained();
            if (r.batchesCreated() > 0 || r.transactionsBroadcast() > 0) LOG.infof("settlement tick: %s", r);
            return r;
        } catch (RuntimeException e) {
            LOG.warnf(e, "settlement tick failed: %s", e.getMessage());
            return null;
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
