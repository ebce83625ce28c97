package io.microsettle.settlement;

/**
 * A settlement batch: created with its cash-outs (BATCHED), its transaction broadcast (SUBMITTED),
 * then SETTLED from the chain's log, FAILED (reverted), or CANCELLED (its nonce was filled by a no-op
 * or used outside the service: its cash-outs went back to the queue).
 */
public enum BatchStatus { BATCHED, SUBMITTED, SETTLED, FAILED, CANCELLED }
