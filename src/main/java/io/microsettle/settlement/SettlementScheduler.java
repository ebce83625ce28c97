package io.microsettle.settlement;

import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * Runs the batcher on a fixed interval (microsettle.settlement.interval); one run at a time. A run whose tick filled a
 * lane (it created the most batches a tick may) ticks again at once; one whose lane used up the room its unmined
 * transactions left ticks again as soon as the next block is mined (that is when the room opens), waiting at most
 * {@link #MAX_BLOCK_WAIT_MILLIS}; up to {@link #MAX_TICKS_PER_RUN} ticks a run. A lane that drains a deep queue does
 * not sit idle until the next interval: a 2.3 s pass on a 1 s interval waited up to a second for the next one, and a
 * pass cut short by the in-flight limit up to 1.8 s, on a chain that makes a block a second.
 */
@ApplicationScoped
public class SettlementScheduler {
    private static final Logger LOG = Logger.getLogger(SettlementScheduler.class);
    /** At most this many ticks in one scheduled run. */
    static final int MAX_TICKS_PER_RUN = 20;
    /** How often a run waiting for the next block reads the chain's head. */
    static final long BLOCK_POLL_MILLIS = 100;
    /** How long a run waits for the next block before it leaves the lane to the next interval. */
    static final long MAX_BLOCK_WAIT_MILLIS = 3_000;

    /** When a run ticks next. */
    enum Next { AT_ONCE, AFTER_NEXT_BLOCK, AT_INTERVAL }

    @Inject SettlementService settlement;
    @Inject SettlementAdmin admin;
    @Inject SettlementConfig cfg;
    /** When the pass under way started (System.nanoTime()), 0 while none runs: the liveness check reads it. */
    private volatile long passStartedNanos;

    @Scheduled(identity = "settlement-batcher", every = "${microsettle.settlement.interval:2s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void run() {
        if (cfg.enabled()) runTicks();
    }

    /** One run: ticks while {@link #next} says so; returns the ticks run. */
    int runTicks() {
        for (int ticks = 1; ; ticks++) {
            assert ticks <= MAX_TICKS_PER_RUN : "a run ticks at most " + MAX_TICKS_PER_RUN + " times";
            SettlementService.TickResult r = tickOnce();
            switch (next(r, ticks)) {
                case AT_ONCE -> { }
                case AFTER_NEXT_BLOCK -> {
                    if (!settlement.awaitBlockAfter(r.headBlock(), BLOCK_POLL_MILLIS, MAX_BLOCK_WAIT_MILLIS)) return ticks;
                }
                case AT_INTERVAL -> {
                    return ticks;
                }
            }
        }
    }

    /** When a run ticks next after its {@code ticksRun}-th tick, which returned {@code r} (null: it failed, logged). */
    static Next next(SettlementService.TickResult r, int ticksRun) {
        if (r == null || ticksRun >= MAX_TICKS_PER_RUN) return Next.AT_INTERVAL;
        return switch (r.bound()) {
            case TICK_LIMIT -> Next.AT_ONCE;
            // a head that could not be read: the node's trouble is the pass's to report, at the interval
            case IN_FLIGHT -> r.headBlock() < 0 ? Next.AT_INTERVAL : Next.AFTER_NEXT_BLOCK;
            case QUEUE -> Next.AT_INTERVAL;
        };
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
