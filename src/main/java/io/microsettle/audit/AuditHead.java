package io.microsettle.audit;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** The one-row head of the audit chain; appends lock it, which serialises them. */
@Entity
@Table(name = "audit_head")
public class AuditHead extends PanacheEntityBase {
    public static final short ID = 1;
    @Id
    public short id;
    public long seq;
    public String hash;
}
