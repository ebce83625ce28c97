package io.microsettle.ledger;

import io.microsettle.audit.AuditLog;
import io.microsettle.cashout.CashoutStore;
import io.microsettle.infra.Db;
import io.microsettle.infra.ApiException;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.Tokens;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The ledger operations the settlement side uses: hold, settle, release; and bulk audit appends. */
@QuarkusTest
class LedgerServiceTest {
    @Inject
    LedgerService ledger;
    @Inject
    AuditLog audit;
    @Inject
    DbRows db;
    @Inject
    CashoutStore store;
    @Inject
    io.agroal.api.AgroalDataSource ds;

    @Test
    void holdSettleAndRelease() {
        String integrator = "led-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        String acct = Api.createAccount(t, "u");
        Api.credit(t, acct, 10_000, "c1");

        QuarkusTransaction.requiringNew().run(() -> ledger.hold(integrator, acct, 4_000, "co_a"));
        QuarkusTransaction.requiringNew().run(() -> ledger.hold(integrator, acct, 3_000, "co_b"));
        assertThat(ledger.balances(acct)).isEqualTo(new LedgerService.Balances(3_000, 7_000));

        QuarkusTransaction.requiringNew().run(() -> ledger.postAll(List.of(JournalEntry.settle(integrator, acct, 4_000, 300, "co_a"))));
        QuarkusTransaction.requiringNew().run(() -> ledger.postAll(List.of(JournalEntry.release(integrator, acct, 3_000, "co_b"))));
        assertThat(ledger.balances(acct)).isEqualTo(new LedgerService.Balances(6_000, 0));
        assertThat(db.scalar("SELECT balance_base_units FROM ledger_balances WHERE ledger_account = 'integrator:"
                + integrator + ":payouts'")).isEqualTo(3_700);
        assertThat(db.scalar("SELECT balance_base_units FROM ledger_balances WHERE ledger_account = 'integrator:"
                + integrator + ":funding'")).isEqualTo(-10_000);
        assertThat(db.scalar("SELECT coalesce(sum(balance_base_units),0) FROM ledger_balances")).isZero();
        assertThat(db.scalar("SELECT count(*) FROM ledger_entries WHERE cashout_id IN ('co_a','co_b')")).isEqualTo(4);
        // Every posting carries its entry's kind (the credit-burst rule sums the CREDIT ones alone).
        assertThat(db.scalar("SELECT count(*) FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id "
                + "WHERE e.integrator_id = '" + integrator + "' AND p.entry_kind <> e.kind")).isZero();
        assertThat(db.scalar("SELECT coalesce(sum(amount_base_units), 0) FROM ledger_postings WHERE ledger_account = 'user:"
                + acct + ":available' AND entry_kind = 'CREDIT'")).isEqualTo(10_000);
        assertThat(db.scalar("SELECT coalesce(sum(amount_base_units), 0) FROM ledger_postings WHERE ledger_account = 'user:"
                + acct + ":available' AND entry_kind = 'RELEASE'")).isEqualTo(3_000);
    }

    @Test
    void overdrawnHoldOrSettleWithoutHoldIsRefusedAndRolledBack() {
        String integrator = "led-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        String acct = Api.createAccount(t, "u");
        Api.credit(t, acct, 1_000, "c1");
        Map<String, Long> before = db.snapshot();
        assertThatThrownBy(() -> QuarkusTransaction.requiringNew().run(() -> ledger.hold(integrator, acct, 1_001, "co_x")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("insufficient_balance"));
        assertThatThrownBy(() -> QuarkusTransaction.requiringNew().run(() -> ledger.postAll(List.of(
                JournalEntry.settle(integrator, acct, 500, 10, "co_y")))))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("insufficient_balance"));
        assertThat(db.snapshot()).isEqualTo(before);
        assertThatThrownBy(() -> ledger.hold(integrator, acct, 1, "co_z")).hasMessageContaining("Transaction is required");
    }

    @Test
    void bulkAuditAppendChains() {
        long head = db.scalar("SELECT seq FROM audit_head");
        var events = QuarkusTransaction.requiringNew().call(() -> audit.appendAll("system:test", List.of(
                new AuditLog.Entry("batch.created", "bat_1", Map.of("count", 2)),
                new AuditLog.Entry("cashout.batched", "co_1", Map.of("batchId", "bat_1")),
                new AuditLog.Entry("cashout.batched", "co_2", Map.of("batchId", "bat_1")))));
        assertThat(events).hasSize(3);
        // linked by the sealer, in the order given, after the head seen before
        long first = db.scalar("SELECT seq FROM audit_events WHERE id = '" + events.get(0) + "'");
        assertThat(first).isGreaterThan(head);
        assertThat(db.scalar("SELECT seq FROM audit_events WHERE id = '" + events.get(1) + "'")).isEqualTo(first + 1);
        assertThat(db.text("SELECT prev_hash FROM audit_events WHERE id = '" + events.get(1) + "'"))
                .isEqualTo(db.text("SELECT hash FROM audit_events WHERE id = '" + events.get(0) + "'"));
        assertThat(audit.verify().ok()).isTrue();
    }
    @Test
    void settleSplitsTheQuotedFeeIntoServiceRevenueAndTheNetworkFeePool() {
        String integrator = "split-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        Api.FundedAccount a = Api.fundedAccount(integrator, 5_000_000);
        com.fasterxml.jackson.databind.JsonNode q = Api.quote(t, a.id(), 2_000_000);
        String co = Api.as(t).body(Map.of("quoteId", q.get("id").asText(), "signature", Api.sign(q, a.wallet())))
                .post("/v1/cashouts").then().statusCode(201).extract().path("id");
        long service = q.get("serviceFee").asLong();
        long network = q.get("networkFee").asLong();
        long pool = db.scalar("SELECT coalesce(sum(balance_base_units), 0) FROM ledger_balances WHERE ledger_account = 'platform:network_fee_pool'");
        long revenue = db.scalar("SELECT coalesce(sum(balance_base_units), 0) FROM ledger_balances WHERE ledger_account = 'platform:fee_revenue'");
        // settled as the reconciler settles it: through the cash-out store, which splits the fee as the quote did
        QuarkusTransaction.requiringNew().run(() -> Db.update(ds, "UPDATE cashouts SET status = 'SUBMITTED' WHERE id = ?", co));
        QuarkusTransaction.requiringNew().run(() -> store.settle(List.of(new CashoutStore.Settlement(co, 1, "0x" + "ab".repeat(32), 1,
                "0x" + "cd".repeat(32), 0, 1)), "system:test"));
        assertThat(db.scalar("SELECT amount_base_units FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id"
                + " WHERE e.cashout_id = '" + co + "' AND e.kind = 'SETTLE' AND p.ledger_account = 'platform:network_fee_pool'"))
                .isEqualTo(network);
        assertThat(db.scalar("SELECT amount_base_units FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id"
                + " WHERE e.cashout_id = '" + co + "' AND e.kind = 'SETTLE' AND p.ledger_account = 'platform:fee_revenue'"))
                .isEqualTo(service);
        assertThat(db.scalar("SELECT balance_base_units FROM ledger_balances WHERE ledger_account = 'platform:network_fee_pool'"))
                .isEqualTo(pool + network);
        assertThat(db.scalar("SELECT balance_base_units FROM ledger_balances WHERE ledger_account = 'platform:fee_revenue'"))
                .isEqualTo(revenue + service);
        assertThat(db.scalar("SELECT coalesce(sum(balance_base_units),0) FROM ledger_balances")).isZero();
    }
    /**
     * The reconciler's set-based settle: several cash-outs of two accounts (SUBMITTED, and one still BATCHED) settled in one
     * call each get their events and one balanced SETTLE entry; one in another status is left alone; settled again after a
     * reorg, they post nothing more (the unique final-entry index).
     */
    @Test
    void settlesManyCashoutsInOneCallEachWithItsEventsAndOneBalancedEntry() {
        String integrator = "many-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        Api.FundedAccount a = Api.fundedAccount(integrator, 5_000_000);
        Api.FundedAccount b = Api.fundedAccount(integrator, 5_000_000);
        List<String> ids = new java.util.ArrayList<>();
        for (Api.FundedAccount acc : List.of(a, a, b, b, b)) {
            com.fasterxml.jackson.databind.JsonNode q = Api.quote(t, acc.id(), 1_000_000);
            ids.add(Api.as(t).body(Map.of("quoteId", q.get("id").asText(), "signature", Api.sign(q, acc.wallet())))
                    .post("/v1/cashouts").then().statusCode(201).extract().path("id"));
        }
        List<String> settleable = ids.subList(0, 4);
        String other = ids.get(4);
        QuarkusTransaction.requiringNew().run(() -> {
            Db.update(ds, "UPDATE cashouts SET status = 'SUBMITTED' WHERE id = ANY(?)", (Object) settleable.subList(0, 3).toArray(String[]::new));
            Db.update(ds, "UPDATE cashouts SET status = 'BATCHED' WHERE id = ?", settleable.get(3));
            Db.update(ds, "UPDATE cashouts SET status = 'REJECTED' WHERE id = ?", other);
        });
        long block = 9_000_000_000L + new java.util.Random().nextInt(1_000_000);
        List<CashoutStore.Settlement> payouts = new java.util.ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            payouts.add(new CashoutStore.Settlement(ids.get(i), 100 + i, "0x" + "ab".repeat(32), block, "0x" + "cd".repeat(32), i, 3));
        }
        assertThat(QuarkusTransaction.requiringNew().call(() -> store.settle(payouts, "system:test")))
                .containsExactlyInAnyOrderElementsOf(settleable);
        assertSettledOnce(settleable, true);
        assertThat(db.text("SELECT status FROM cashouts WHERE id = '" + other + "'")).isEqualTo("REJECTED");
        assertThat(db.scalar("SELECT count(*) FROM ledger_entries WHERE cashout_id = '" + other + "' AND kind = 'SETTLE'")).isZero();
        assertThat(db.scalar("SELECT count(*) FROM audit_events WHERE subject = '" + settleable.get(3) + "' AND type = 'cashout.submitted' "
                + "AND payload_json LIKE '%\"from\":\"BATCHED\"%'")).isEqualTo(1);

        // a reorg sends them back to SUBMITTED; settled again, they get their events again and no second entry
        QuarkusTransaction.requiringNew().run(() -> store.revertAbove(block - 1, "system:test"));
        assertThat(QuarkusTransaction.requiringNew().call(() -> store.settle(payouts.subList(0, 4), "system:test")))
                .containsExactlyInAnyOrderElementsOf(settleable);
        assertSettledOnce(settleable, false);
        assertThat(db.scalar("SELECT coalesce(sum(balance_base_units),0) FROM ledger_balances")).isZero();
    }

    private void assertSettledOnce(List<String> ids, boolean firstTime) {
        for (String id : ids) {
            String where = "'" + id + "'";
            assertThat(db.text("SELECT status FROM cashouts WHERE id = " + where)).isEqualTo("SETTLED");
            assertThat(db.scalar("SELECT count(*) FROM ledger_entries WHERE cashout_id = " + where + " AND kind = 'SETTLE'")).isEqualTo(1);
            assertThat(db.scalar("SELECT coalesce(sum(p.amount_base_units), 1) FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id "
                    + "WHERE e.cashout_id = " + where + " AND e.kind = 'SETTLE'")).isZero();
            assertThat(db.scalar("SELECT count(*) FROM audit_events WHERE subject = " + where + " AND type = 'cashout.confirmed'"))
                    .isEqualTo(firstTime ? 1 : 2);
            assertThat(db.scalar("SELECT count(*) FROM audit_events WHERE subject = " + where + " AND type = 'cashout.settled' "
                    + "AND payload_json LIKE '%\"ledgerSettled\":" + firstTime + "%'")).isEqualTo(1);
        }
        assertThat(db.scalar("SELECT coalesce(sum(balance_base_units),0) FROM ledger_balances")).isZero();
    }
}
