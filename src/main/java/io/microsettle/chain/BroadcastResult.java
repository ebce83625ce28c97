package io.microsettle.chain;

import java.util.Locale;

/** What a node's answer to eth_sendRawTransaction means for a transaction we stored. */
public enum BroadcastResult {
    /** Accepted now, or the node already has exactly this transaction. */
    ACCEPTED,
    /** The nonce is used: by this transaction (mined) or by another one; the receipt decides. */
    NONCE_USED,
    /** A transaction with this nonce and higher fees is pending: needs a bigger bump. */
    UNDERPRICED,
    /**
     * The node refuses the transaction because its max fee per gas is below the current base fee (the
     * fees rose past it): a replacement is dropped like an underpriced one, an original is tried again later.
     */
    BELOW_BASE_FEE,
    /** The transaction can never be valid as signed (gas limit, intrinsic gas, sender): its nonce is filled by a no-op. */
    NEVER_VALID,
    /** Anything else (insufficient funds for gas, node down, ...): retry later with a growing pause, never abandoned. */
    RETRY;

    public static BroadcastResult classify(String errorMessage) {
        if (errorMessage == null) return ACCEPTED;
        String m = errorMessage.toLowerCase(Locale.ROOT);
        if (m.contains("already known") || m.contains("known transaction") || m.contains("already imported")
                || m.contains("already in the mempool") || m.contains("transaction already exists")) return ACCEPTED;
        if (m.contains("nonce too low") || m.contains("nonce is too low") || m.contains("nonce has already been used")
                || m.contains("old nonce")) return NONCE_USED;
        if (m.contains("less than block base fee") || m.contains("fee cap less than") || m.contains("feecap too low")
                || m.contains("max fee per gas less than")) return BELOW_BASE_FEE;
        if (m.contains("underpriced") || m.contains("fee too low") || m.contains("replacement")) return UNDERPRICED;
        if (m.contains("intrinsic gas too low") || m.contains("exceeds block gas limit") || m.contains("gas limit reached")
                || m.contains("invalid sender") || m.contains("tx type not supported") || m.contains("chain id")) return NEVER_VALID;
        return RETRY;
    }
}
