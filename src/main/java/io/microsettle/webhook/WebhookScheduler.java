package io.microsettle.webhook;

import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import jakarta.annotation.PreDestroy;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs the fan-out (microsettle.webhooks.fanout-interval) and the dispatcher
 * (microsettle.webhooks.dispatch-interval); each one run at a time, and each catching up in a
 * bounded number of passes when it finds a full batch. A fan-out pass that wrote deliveries
 * starts a dispatcher run at once (unless one is running), so a new event does not wait for the
 * dispatcher's next turn; the dispatcher's own schedule serves the retries. (Quarkus' simple
 * scheduler looks at its triggers once a second: intervals below 1 s act as 1 s.)
 */
@ApplicationScoped
public class WebhookScheduler {
    private static final Logger LOG = Logger.getLogger(WebhookScheduler.class);

    @Inject
    WebhookFanout fanout;
    @Inject
    WebhookDispatcher dispatcher;
    @Inject
    WebhookConfig cfg;

    private final ReentrantLock dispatching = new ReentrantLock();
    private final ExecutorService nudges = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "webhook-dispatch-now");
        t.setDaemon(true);
        return t;
    });

    @Scheduled(identity = "webhook-fanout", every = "${microsettle.webhooks.fanout-interval:1s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void fanout() {
        if (!cfg.enabled()) return;
        try {
            int deliveries = 0;
            for (int i = 0; i < cfg.maxFanoutPassesPerRun(); i++) {
                WebhookFanout.PassResult r = fanout.pass();
                deliveries += r.deliveries();
                if (r.deliveries() > 0) LOG.debugf("webhook fan-out: %s", r);
                if (!r.full()) break;
            }
            if (deliveries > 0 && !dispatching.isLocked()) {
                try {
                    nudges.execute(this::dispatchRuns);
                } catch (RejectedExecutionException e) {
                    // shutting down
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf(e, "webhook fan-out failed: %s", e.getMessage());
        }
    }

    @Scheduled(identity = "webhook-dispatch", every = "${microsettle.webhooks.dispatch-interval:1s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void dispatch() {
        if (!cfg.enabled()) return;
        dispatchRuns();
    }

    /** Dispatcher rounds while each finds a full batch; one run at a time (a second caller returns at once). */
    void dispatchRuns() {
        if (!dispatching.tryLock()) return;
        try {
            for (int i = 0; i < cfg.maxDispatchRoundsPerRun(); i++) {
                if (dispatcher.round() < cfg.maxDeliveriesPerTick()) break;
            }
        } catch (RuntimeException e) {
            LOG.warnf(e, "webhook dispatch failed: %s", e.getMessage());
        } finally {
            dispatching.unlock();
        }
    }

    @PreDestroy
    void stop() {
        nudges.shutdownNow();
    }
}
