package io.microsettle.audit;

import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static io.microsettle.testsupport.Api.as;
import static io.microsettle.testsupport.Problems.refusedWithoutWrites;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.nullValue;

@QuarkusTest
class AuditApiTest {
    @Inject
    DbRows db;

    @Test
    void verifyFindsATamperedEventAndRecoversWhenRestored() throws Exception {
        Api.fundedAccount("tamper-" + UUID.randomUUID(), 1_000);
        db.awaitAuditSealed(); // verify counts chained events only
        String auditor = Tokens.auditor("carol");
        as(auditor).get("/v1/audit/verify").then().statusCode(200).body("ok", equalTo(true))
                .body("count", greaterThan(0)).body("firstBadSeq", nullValue());
        long seq = db.scalar("SELECT max(seq) FROM audit_events");
        long count = db.scalar("SELECT count(*) FROM audit_events");
        db.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_immutable");
        try {
            db.execute("UPDATE audit_events SET actor = actor || '-forged' WHERE seq = " + seq);
            as(auditor).get("/v1/audit/verify").then().statusCode(200)
                    .body("ok", equalTo(false)).body("firstBadSeq", equalTo((int) seq)).body("count", equalTo((int) seq - 1));
            db.execute("UPDATE audit_events SET actor = left(actor, length(actor) - 7) WHERE seq = " + seq);
        } finally {
            db.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_immutable");
        }
        as(auditor).get("/v1/audit/verify").then().statusCode(200).body("ok", equalTo(true))
                .body("count", equalTo((int) count));
    }

    @Test
    void verifyFindsAnEditedPayloadAndTwoSwappedEvents() throws Exception {
        Api.fundedAccount("tamper-" + UUID.randomUUID(), 1_000);
        db.awaitAuditSealed();
        String auditor = Tokens.auditor("carol");
        long last = db.scalar("SELECT max(seq) FROM audit_events");
        long before = last - 1;
        db.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_immutable");
        try {
            // the payload of one event, one character more
            db.execute("UPDATE audit_events SET payload_json = payload_json || ' ' WHERE seq = " + last);
            as(auditor).get("/v1/audit/verify").then().statusCode(200)
                    .body("ok", equalTo(false)).body("firstBadSeq", equalTo((int) last));
            db.execute("UPDATE audit_events SET payload_json = left(payload_json, length(payload_json) - 1) WHERE seq = " + last);
            // two events' contents swapped (the log reordered); the same statement swaps them back
            String swap = "UPDATE audit_events e SET at = o.at, actor = o.actor, type = o.type, subject = o.subject, "
                    + "payload_json = o.payload_json, prev_hash = o.prev_hash, hash = o.hash FROM audit_events o "
                    + "WHERE (e.seq = " + before + " AND o.seq = " + last + ") OR (e.seq = " + last + " AND o.seq = " + before + ")";
            assertThat(db.execute(swap)).isEqualTo(2);
            as(auditor).get("/v1/audit/verify").then().statusCode(200)
                    .body("ok", equalTo(false)).body("firstBadSeq", equalTo((int) before));
            db.execute(swap);
        } finally {
            db.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_immutable");
        }
        as(auditor).get("/v1/audit/verify").then().statusCode(200).body("ok", equalTo(true)).body("firstBadSeq", nullValue());
    }

    @Test
    void pagingLimitsAreEnforced() {
        String auditor = Tokens.auditor("carol");
        refusedWithoutWrites(db, () -> as(auditor).queryParam("limit", 1001).get("/v1/audit/events"), 400, "validation_failed");
        refusedWithoutWrites(db, () -> as(auditor).queryParam("limit", 0).get("/v1/audit/events"), 400, "validation_failed");
        refusedWithoutWrites(db, () -> as(auditor).queryParam("after", "x").get("/v1/audit/events"), 400, "validation_failed");
        refusedWithoutWrites(db, () -> as(auditor).queryParam("limit", "1.5").get("/v1/audit/events"), 400, "validation_failed");
        refusedWithoutWrites(db, () -> as(auditor).queryParam("after", "-1").get("/v1/audit/events"), 400, "validation_failed");
    }
}
