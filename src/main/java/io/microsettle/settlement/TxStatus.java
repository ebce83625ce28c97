package io.microsettle.settlement;

/**
 * A signed settleBatch transaction: stored before it is broadcast (SIGNED), accepted by the node
 * (BROADCAST), superseded by a fee-bumped replacement or a no-op with the same nonce (REPLACED), mined
 * successfully (MINED) or reverted (REVERTED), or never to be sent (DROPPED: a replacement the node
 * refused as underpriced, or a transaction that can never be valid and whose nonce a no-op fills).
 */
public enum TxStatus { SIGNED, BROADCAST, REPLACED, MINED, REVERTED, DROPPED }
