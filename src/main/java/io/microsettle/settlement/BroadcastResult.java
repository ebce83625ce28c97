package io.microsettle.settlement;

import java.util.Locale;

/** What a node's answer to eth_sendRawTransaction means for a transaction we stored. */
public enum BroadcastResult {
    /** Accepted now, or the node already has exactly this transaction. */
    ACCEPTED,
    /** The nonce is used: by this transaction (mined) or by another one; the receipt decides. */
    NONCE_USED,
    /** A transaction with this nonce and higher fees is pending: needs a bigger bump. */
    UNDERPRICED,
    /** Anything else (insufficient funds for gas, node down, ...): retry later, bounded. */
    RETRY;

    public static BroadcastResult classify(String errorMessage) {
        if (errorMessage == null) return ACCEPTED;
        String m = errorMessage.toLowerCase(Locale.ROOT);
        if (m.contains("already known") || m.contains("known transaction") || m.contains("already imported")
                || m.contains("already in the mempool") || m.contains("transaction already exists")) return ACCEPTED;
        if (m.contains("nonce too low") || m.contains("nonce is too low") || m.contains("nonce has already been used")
                || m.contains("old nonce")) return NONCE_USED;
        if (m.contains("underpriced") || m.contains("fee too low") || m.contains("replacement")) return UNDERPRICED;
        return RETRY;
    }
}
