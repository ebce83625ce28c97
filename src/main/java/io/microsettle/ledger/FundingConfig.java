package io.microsettle.ledger;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Map;
import java.util.Optional;

/** Who funds each integrator's cash-outs in the escrow, and the escrow funding check of cash-out requests. */
@ConfigMapping(prefix = "microsettle.funding")
public interface FundingConfig {
    /** The escrow funder address that pays an integrator's cash-outs: microsettle.funding.funders.<integrator>=0x... */
    Map<String, String> funders();

    /** The funder of integrators not listed in {@code funders} (absent on a dev chain: its demo funder). */
    Optional<String> defaultFunder();

    /** Refuse cash-outs the integrator's escrow balance does not cover (insufficient_escrow). */
    @WithDefault("true")
    boolean enabled();

    /**
     * Headroom a replica reserves at once, in thousandths of the funder's balance (requests then draw
     * on it in memory; see infra.CapacityReservations). Larger: fewer reservations; smaller: less
     * headroom parked on a replica that does not use it.
     */
    @WithDefault("10")
    long reservationChunkPermille();

    /** How long a replica's headroom reservation counts, in milliseconds (> 500). */
    @WithDefault("5000")
    long reservationLeaseMillis();

    /** How long one funderBalance read is used, in milliseconds. */
    @WithDefault("2000")
    long balanceCacheMillis();

    /** Funders whose balance is cached at most (the cache is cleared when full). */
    @WithDefault("1000")
    int balanceCacheSize();

    /**
     * A cash-out that leaves the integrator's headroom (funder balance − unsettled obligations) below
     * this many base units appends the {@code escrow.low} audit event, once per crossing (see
     * {@link EscrowLowAlert}). 0 (or less): alerts off. Only while the funding check is enabled.
     */
    @WithDefault("0")
    long lowHeadroomBaseUnits();

    /** Per integrator id: microsettle.funding.low-headroom-overrides.<integrator>=<base units> (0: off for it). */
    Map<String, Long> lowHeadroomOverrides();
}
