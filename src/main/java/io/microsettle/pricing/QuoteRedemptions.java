package io.microsettle.pricing;

import io.agroal.api.AgroalDataSource;
import io.microsettle.account.VerificationLevel;
import io.microsettle.infra.Db;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.util.Optional;

/**
 * A quote as a cash-out request redeems it: read with its account in one statement before the
 * request's transaction, and marked used (once) inside it. The pricing feature owns the quotes table.
 */
@ApplicationScoped
public class QuoteRedemptions {
    @Inject
    AgroalDataSource ds;

    /** The quote's figures and the account's verification as they stood when read. */
    public record Redeemable(String quoteId, String integratorId, String accountId, long grossBaseUnits, long feeBaseUnits,
                             long netBaseUnits, String destination, long chainId, String escrowAddress, long deadlineEpochSeconds,
                             Instant expiresAt, Instant usedAt, String wallet, VerificationLevel level, Instant verifiedAt,
                             Instant accountCreatedAt) {
        /** The EIP-712 digest of the quote's typed data: the bytes the account's wallet signed. */
        public byte[] digest() {
            return CashoutTypedData.digest(chainId, escrowAddress, quoteId, destination, grossBaseUnits, feeBaseUnits, deadlineEpochSeconds);
        }
    }

    /** The integrator's quote with its account (another integrator's quote is not found). */
    public Optional<Redeemable> find(String integratorId, String quoteId) {
        return Db.one(ds, "SELECT q.id, q.integrator_id, q.account_id, q.gross_base_units, q.fee_base_units, q.net_base_units, "
                        + "q.destination, q.chain_id, q.escrow_address, q.deadline_epoch_seconds, q.expires_at, q.used_at, "
                        + "a.wallet, a.verification_level, a.verified_at, a.created_at "
                        + "FROM quotes q JOIN accounts a ON a.id = q.account_id WHERE q.id = ? AND q.integrator_id = ?",
                rs -> new Redeemable(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5), rs.getLong(6),
                        rs.getString(7), rs.getLong(8), rs.getString(9), rs.getLong(10), Db.instant(rs, 11), Db.instant(rs, 12),
                        rs.getString(13), VerificationLevel.valueOf(rs.getString(14)), Db.instant(rs, 15), Db.instant(rs, 16)),
                quoteId, integratorId);
    }

    /** Marks the quote used, in the cash-out's transaction; false when another request used it first. */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean markUsed(String quoteId, Instant at) {
        return Db.update(ds, "UPDATE quotes SET used_at = ? WHERE id = ? AND used_at IS NULL", at, quoteId) == 1;
    }
}
