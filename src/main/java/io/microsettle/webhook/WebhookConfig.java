package io.microsettle.webhook;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

@ConfigMapping(prefix = "microsettle.webhooks")
public interface WebhookConfig {
    /** Run the fan-out and the dispatcher (off: endpoints can be managed, nothing is sent). */
    @WithDefault("true")
    boolean enabled();

    /** Accept http:// URLs (development and tests only; https otherwise). */
    @WithDefault("false")
    boolean allowHttp();

    /**
     * Accept hosts that are loopback, private, link-local, unique-local, multicast or unspecified
     * addresses, and deliver to names resolving to them (development and tests only).
     */
    @WithDefault("false")
    boolean allowPrivateAddresses();

    /** Endpoints (not deleted) an integrator may have. */
    @WithDefault("16")
    int maxEndpointsPerIntegrator();

    /** Page size of the lists when no limit is given. */
    @WithDefault("20")
    int defaultPageSize();

    /** The largest page of the lists. */
    @WithDefault("100")
    int maxPageSize();

    /** How often the fan-out reads new audit events (a Quarkus scheduler duration). */
    @WithDefault("1s")
    String fanoutInterval();

    /** Audit events read per fan-out pass. */
    @WithDefault("1000")
    int fanoutBatchSize();

    /** Fan-out passes per run while each finds a full batch (catching up after a pause). */
    @WithDefault("10")
    int maxFanoutPassesPerRun();

    /** How often the dispatcher looks for due deliveries (a Quarkus scheduler duration). */
    @WithDefault("1s")
    String dispatchInterval();

    /** Deliveries claimed per dispatcher round. */
    @WithDefault("50")
    int maxDeliveriesPerTick();

    /** Dispatcher rounds per run while each claims a full batch. */
    @WithDefault("10")
    int maxDispatchRoundsPerRun();

    /** Deliveries being sent at once (one replica). */
    @WithDefault("8")
    int maxConcurrentDeliveries();

    /** Time for the whole HTTP exchange of one attempt, after connecting. */
    @WithDefault("10000")
    int timeoutMillis();

    /** Time to connect (TCP and TLS) for one attempt. */
    @WithDefault("5000")
    int connectTimeoutMillis();

    /** First retry delay; it doubles per attempt. */
    @WithDefault("30000")
    long retryBaseMillis();

    /** The longest retry delay. */
    @WithDefault("3600000")
    long retryMaxDelayMillis();

    /** A delivery gives up when its next attempt would fall beyond this after the event. */
    @WithDefault("24h")
    Duration retryWindow();

    /** A delivery gives up after this many attempts, window or not. */
    @WithDefault("40")
    int maxAttempts();

    /** How long the old secret keeps signing after a rotation, when the request does not say. */
    @WithDefault("86400")
    long defaultRotationOverlapSeconds();

    /** The longest overlap a rotation may ask for. */
    @WithDefault("604800")
    long maxRotationOverlapSeconds();

    /**
     * Base64 of 32 random bytes ({@code openssl rand -base64 32}): endpoint secrets are then stored
     * AES-256-GCM encrypted. Unset: in clear. Secrets stored under a key need that key to sign.
     */
    Optional<String> secretEncryptionKey();

    /** Characters of a receiver's response body kept with an attempt. */
    @WithDefault("512")
    int responseExcerptChars();
}
