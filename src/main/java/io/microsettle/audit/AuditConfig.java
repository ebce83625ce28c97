package io.microsettle.audit;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "microsettle.audit")
public interface AuditConfig {
    /** Events per page of GET /v1/audit/events when no limit is given. */
    @WithDefault("100")
    int defaultPageSize();

    /** The largest page of GET /v1/audit/events. */
    @WithDefault("1000")
    int maxPageSize();

    /** Events per keyset page (one statement and round trip) while re-hashing the log. */
    @WithDefault("5000")
    int verifyFetchSize();

    /** Link committed events into the chain on this replica (every replica may; they take turns on the head). */
    @WithDefault("true")
    boolean sealerEnabled();

    /** The most events linked in one sealing transaction. */
    @WithDefault("5000")
    int sealBatchSize();

    /** How often the sealer looks for events committed by other replicas, in milliseconds (local commits wake it at once). */
    @WithDefault("50")
    long sealIntervalMillis();

    /** The largest canonical payload of one event, in characters. */
    @WithDefault("65536")
    int maxPayloadChars();

    /** The longest period one GET /v1/audit/export covers, in days. */
    @WithDefault("31")
    int exportMaxDays();

    /** Anchoring the tree head on chain ({@link Anchorer}). */
    Anchor anchor();

    interface Anchor {
        /** Anchor on this replica (one replica anchors at a time, under the anchorer lease). */
        @WithDefault("true")
        boolean enabled();

        /** How often the anchorer looks at the log and its anchor in flight (a Quarkus scheduler duration). */
        @WithDefault("5s")
        String interval();

        /** Anchor once this many events (other than the anchoring's own) are in the log past the last anchored head... */
        @WithDefault("1000")
        long everyEvents();

        /** ...or once the oldest event past it is this many seconds old, whichever comes first. */
        @WithDefault("300")
        long everySeconds();

        /** How long the anchorer lease lasts without renewal, in milliseconds. */
        @WithDefault("30000")
        long leaseMillis();

        /** Gas limit of an anchor transaction (anchor() costs about 50,000). */
        @WithDefault("120000")
        long gasLimit();

        /** Priority fee of an anchor transaction, in wei. */
        @WithDefault("1000000000")
        long priorityFeeWei();

        /** How long one tick waits for the anchor's receipt before leaving it to the next tick, in milliseconds. */
        @WithDefault("30000")
        long receiptWaitMillis();

        /** Anchors per page of GET /v1/audit/anchors (default and largest). */
        @WithDefault("100")
        int defaultPageSize();

        @WithDefault("1000")
        int maxPageSize();
    }
}
