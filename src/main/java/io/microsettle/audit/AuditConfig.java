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

    /** Rows fetched per round trip while re-hashing the log. */
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
}
