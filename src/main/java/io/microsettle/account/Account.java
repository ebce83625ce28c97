package io.microsettle.account;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.Optional;

/** A user account of one integrator. */
@Entity
@Table(name = "accounts")
public class Account extends PanacheEntityBase {
    @Id
    public String id;
    @Column(name = "integrator_id")
    public String integratorId;
    @Column(name = "external_ref")
    public String externalRef;
    @Enumerated(EnumType.STRING)
    @Column(name = "verification_level")
    public VerificationLevel verificationLevel;
    public String wallet;
    @Column(name = "verifier_issuer")
    public String verifierIssuer;
    @Column(name = "verified_at")
    public Instant verifiedAt;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "updated_at")
    public Instant updatedAt;

    /** The account if it exists and belongs to the integrator (another's is as absent as an unknown one). */
    public static Optional<Account> findOwned(String integratorId, String id) {
        return Account.<Account>findByIdOptional(id).filter(a -> a.integratorId.equals(integratorId));
    }

    public static Optional<Account> findByExternalRef(String integratorId, String externalRef) {
        return find("integratorId = ?1 and externalRef = ?2", integratorId, externalRef).firstResultOptional();
    }
}
