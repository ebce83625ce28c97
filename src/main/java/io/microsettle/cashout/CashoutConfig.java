package io.microsettle.cashout;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "microsettle.cashout")
public interface CashoutConfig {
    /** Page size of GET /v1/cashouts when no limit is given. */
    @WithDefault("20")
    int defaultPageSize();

    /** The largest page of GET /v1/cashouts. */
    @WithDefault("100")
    int maxPageSize();

    /**
     * How long a cash-out request waits in memory for its account's turn (requests of one account write one at a
     * time, see AccountTurns) before it is answered 503 busy, in milliseconds.
     */
    @WithDefault("30000")
    long accountWaitMillis();

    /**
     * Cash-out write transactions a replica runs at once (see AccountTurns); the others wait in memory, holding no
     * connection, within {@code account-wait-millis}. Half the connection pool: the rest stays free for credits, reads
     * and the workers. 32 slots (with a pool of 32 or 48) gave 418-523 cash-outs/s at 32 clients against 381-468 with
     * 16, within the spread between runs, and fewer credits beside them (docs/benchmarks.md).
     */
    @WithDefault("16")
    int maxConcurrentWrites();
}
