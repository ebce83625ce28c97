package io.microsettle.pricing;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.Optional;

/** A priced cash-out offer: every figure, the EIP-712 inputs, usable once before it expires. */
@Entity
@Table(name = "quotes")
public class Quote extends PanacheEntityBase {
    @Id
    public String id;
    @Column(name = "integrator_id")
    public String integratorId;
    @Column(name = "account_id")
    public String accountId;
    @Column(name = "gross_base_units")
    public long grossBaseUnits;
    @Column(name = "service_fee_base_units")
    public long serviceFeeBaseUnits;
    @Column(name = "network_fee_base_units")
    public long networkFeeBaseUnits;
    @Column(name = "fee_base_units")
    public long feeBaseUnits;
    @Column(name = "net_base_units")
    public long netBaseUnits;
    public String destination;
    @Column(name = "chain_id")
    public long chainId;
    @Column(name = "escrow_address")
    public String escrowAddress;
    @Column(name = "deadline_epoch_seconds")
    public long deadlineEpochSeconds;
    @Column(name = "expires_at")
    public Instant expiresAt;
    @Column(name = "used_at")
    public Instant usedAt;
    @Column(name = "created_at")
    public Instant createdAt;
    /** The fee schedule version, tier rate and 30-day volume the quote was priced with. */
    @Column(name = "fee_schedule_version")
    public Long feeScheduleVersion;
    @Column(name = "service_fee_bps")
    public Integer serviceFeeBps;
    @Column(name = "rolling_30d_volume_base_units")
    public Long rolling30dVolumeBaseUnits;
    /** The network-fee inputs (canonical JSON: gas figures, base fee, tip, rate, margin). */
    @Column(name = "gas_inputs", columnDefinition = "jsonb")
    @org.hibernate.annotations.ColumnTransformer(write = "?::jsonb")
    public String gasInputs;

    /** The EIP-712 typed data the account's wallet signs for this quote. */
    public java.util.Map<String, Object> typedData() {
        return CashoutTypedData.of(chainId, escrowAddress, id, destination, grossBaseUnits, feeBaseUnits, deadlineEpochSeconds);
    }

    public static Optional<Quote> findOwned(String integratorId, String id) {
        return Quote.<Quote>findByIdOptional(id).filter(q -> q.integratorId.equals(integratorId));
    }
}
