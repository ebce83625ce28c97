package io.microsettle.verify;

/**
 * One thing the file claims that the chain (or the file's own hashes) does not bear out.
 *
 * @param code    stable kind: chain_id, escrow, token, event_hash, event_link, leaf_hash, inclusion, anchor_missing, duplicate_row,
 *                anchor_root, anchor_position, consistency, payout_missing, block_hash, tx_hash, escrow_address, receipt_status,
 *                payee, net_amount, fee_amount, gross_amount, payout_id, batch_id, raw_log, claim_disagrees, malformed
 * @param subject what it is about (a cash-out id, "event 42", "anchor 40", ...)
 * @param detail  what differs, expected against found
 */
public record Mismatch(String code, String subject, String detail) {
    @Override
    public String toString() {
        return "[" + code + "] " + subject + ": " + detail;
    }
}
