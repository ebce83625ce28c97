package io.microsettle.cashout;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.Optional;

/** A cash-out: the quote's figures, the wallet's authorisation, and its settlement trail. */
@Entity
@Table(name = "cashouts")
public class Cashout extends PanacheEntityBase {
    @Id
    public String id;
    @Column(name = "integrator_id")
    public String integratorId;
    @Column(name = "account_id")
    public String accountId;
    @Column(name = "quote_id")
    public String quoteId;
    @Enumerated(EnumType.STRING)
    public CashoutStatus status;
    @Column(name = "gross_base_units")
    public long grossBaseUnits;
    @Column(name = "fee_base_units")
    public long feeBaseUnits;
    @Column(name = "net_base_units")
    public long netBaseUnits;
    /** Payee, EIP-55. */
    public String destination;
    /** The verified wallet that signed, EIP-55. */
    public String wallet;
    public String signature;
    public String reason;
    @Column(name = "payout_id")
    public Long payoutId;
    @Column(name = "batch_id")
    public String batchId;
    @Column(name = "tx_hash")
    public String txHash;
    @Column(name = "block_number")
    public Long blockNumber;
    @Column(name = "block_hash")
    public String blockHash;
    @Column(name = "log_index")
    public Integer logIndex;
    public Integer confirmations;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "updated_at")
    public Instant updatedAt;
    @Column(name = "settled_at")
    public Instant settledAt;

    public static Optional<Cashout> findOwned(String integratorId, String id) {
        return Cashout.<Cashout>findByIdOptional(id).filter(c -> c.integratorId.equals(integratorId));
    }

    /** Moves to {@code to} if the state machine allows it (else IllegalStateException). */
    public void transition(CashoutStatus to, Instant at) {
        CashoutTransitions.check(status, to);
        status = to;
        updatedAt = at;
    }
}
