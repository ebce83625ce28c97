package io.microsettle.risk;

import io.microsettle.risk.rules.HistoryReference;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.List;
import java.util.Optional;

/** Anomaly thresholds and the deny list (configuration); limits are in the database. */
@ConfigMapping(prefix = "microsettle.risk")
public interface RiskConfig {
    /** new_wallet_large_amount: a wallet bound less than this many seconds ago is new. */
    @WithDefault("900")
    long newWalletWindowSeconds();

    /** new_wallet_large_amount: a gross at or above this is large (1,000.00 of a 6-decimal token). */
    @WithDefault("1000000000")
    long largeAmountBaseUnits();

    @WithDefault("P90")
    HistoryReference historyReference();

    /** amount_above_history: hold above this multiple (percent) of the reference. */
    @WithDefault("1000")
    int historyMultiplierPercent();

    @WithDefault("5")
    int historyMinSize();

    @WithDefault("50000000")
    long historyMinAmountBaseUnits();

    /** shared_destination: distinct accounts (this one included) paying one destination within the window. */
    @WithDefault("5")
    int sharedDestinationMinAccounts();

    @WithDefault("86400")
    long sharedDestinationWindowSeconds();

    /** credit_burst_cashout: credits in the window at or above this share (bps) of the gross. */
    @WithDefault("9000")
    int creditBurstBps();

    @WithDefault("600")
    long creditBurstWindowSeconds();

    @WithDefault("100000000")
    long creditBurstMinAmountBaseUnits();

    /** denied_destination: 0x addresses, comma-separated. */
    Optional<List<String>> deniedDestinations();

    /**
     * The integrator's daily volume a replica reserves at once, in thousandths of the highest level's
     * daily volume (requests then draw on it in memory; see infra.CapacityReservations).
     */
    @WithDefault("10")
    long volumeReservationChunkPermille();

    /** How long a replica's daily-volume reservation counts, in milliseconds (> 500). */
    @WithDefault("5000")
    long volumeReservationLeaseMillis();

    /** How long the limits read from the database are used before they are read again (a change on this replica applies at once). */
    @WithDefault("1000")
    long limitsCacheMillis();

    /** Review queue page sizes. */
    @WithDefault("20")
    int defaultPageSize();

    @WithDefault("100")
    int maxPageSize();
}
