package io.microsettle.audit;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** One hash-chained audit event (append-only; a trigger refuses UPDATE and DELETE). */
@Entity
@Table(name = "audit_events")
public class AuditEvent extends PanacheEntityBase {
    @Id
    public long seq;
    public String id;
    public Instant at;
    public String actor;
    public String type;
    public String subject;
    @Column(name = "payload_json")
    public String payloadJson;
    @Column(name = "prev_hash")
    public String prevHash;
    public String hash;

    public AuditChain.Link link() {
        return new AuditChain.Link(seq, at, actor, type, subject, payloadJson, prevHash, hash);
    }
}
