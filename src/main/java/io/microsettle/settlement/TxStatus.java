package io.microsettle.settlement;

/**
 * A signed settleBatch transaction: stored before it is broadcast (SIGNED), accepted by the node
 * (BROADCAST), superseded by a fee-bumped replacement with the same nonce (REPLACED), mined
 * successfully (MINED) or reverted (REVERTED).
 */
public enum TxStatus { SIGNED, BROADCAST, REPLACED, MINED, REVERTED }
