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
}
