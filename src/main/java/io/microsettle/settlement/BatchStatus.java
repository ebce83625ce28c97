package io.microsettle.settlement;

/** A settlement batch: created with its cash-outs (BATCHED), its transaction broadcast (SUBMITTED), then SETTLED from the chain's log or FAILED (reverted). */
public enum BatchStatus { BATCHED, SUBMITTED, SETTLED, FAILED }
