package io.microsettle.settlement;

/** A settler key's lane: new batches go to ACTIVE keys; a RETIRING key finishes what it sent, then its role is revoked (RETIRED). */
public enum SettlerStatus { ACTIVE, RETIRING, RETIRED }
