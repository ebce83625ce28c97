package io.microsettle.webhook;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.microsettle.infra.AfterCommit;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Failed webhook delivery attempts, counted once the attempt's record commits. Names: docs/operations.md. */
@ApplicationScoped
public class WebhookMetrics {
    private final AfterCommit afterCommit;
    private final Counter retrying;
    private final Counter gaveUp;

    @Inject
    public WebhookMetrics(MeterRegistry registry, AfterCommit afterCommit) {
        this.afterCommit = afterCommit;
        retrying = failures(registry, false);
        gaveUp = failures(registry, true);
    }

    private static Counter failures(MeterRegistry registry, boolean last) {
        return Counter.builder("microsettle.webhook.delivery.failures").tag("final", Boolean.toString(last))
                .description("Failed webhook delivery attempts (final: the delivery was given up)").register(registry);
    }

    /** A delivery attempt failed; {@code gaveUp}: the delivery will not be tried again. */
    public void deliveryFailed(boolean gaveUpOnIt) {
        afterCommit.run(() -> (gaveUpOnIt ? gaveUp : retrying).increment());
    }
}
