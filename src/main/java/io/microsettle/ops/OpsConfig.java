package io.microsettle.ops;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Operators' settings: metrics gauges, health checks, the log format (docs/operations.md). */
@ConfigMapping(prefix = "microsettle.ops")
public interface OpsConfig {
    /**
     * How often the gauges that read the database and the chain are refreshed, in milliseconds: a few
     * small queries and one {@code eth_blockNumber} per refresh, however often /q/metrics is scraped.
     */
    @WithDefault("15000")
    long metricsRefreshMillis();

    /** The chain readiness check and the gauges' head-block read give up after this long, in milliseconds. */
    @WithDefault("3000")
    long chainTimeoutMillis();

    /** Liveness is DOWN when one settlement pass has been running longer than this, in milliseconds (a wedged loop). */
    @WithDefault("600000")
    long settlementPassMaxMillis();

    /**
     * Log lines as JSON objects (one per line, with requestId, integrator and cashoutId where there is one)
     * instead of text. Read by application.properties as {@code quarkus.log.console.json.enabled}.
     */
    @WithDefault("false")
    boolean jsonLog();

    /** One log line per API request (category io.microsettle.access): method, path, status, milliseconds. */
    @WithDefault("false")
    boolean accessLog();
}
