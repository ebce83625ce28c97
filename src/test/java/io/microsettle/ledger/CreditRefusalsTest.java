package io.microsettle.ledger;

import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.microsettle.testsupport.Api.as;
import static io.microsettle.testsupport.Problems.refusedWithoutWrites;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

@QuarkusTest
class CreditRefusalsTest {
    @Inject
    DbRows db;
    @Inject
    CreditService credits;

    static Map<String, Object> items(Object... triples) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (int i = 0; i < triples.length; i += 3) {
            list.add(Map.of("accountId", triples[i], "amount", triples[i + 1], "reference", triples[i + 2]));
        }
        return Map.of("items", list);
    }

    @Test
    void badAmountsAreInvalidAmountNamingTheItem() {
        String integrator = "cr-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        String id = Api.createAccount(t, "u");
        for (String bad : List.of("0", "-5", "1.5", "1e6", "+7", "01", "abc", "", "1000000000001", "99999999999999999999")) {
            String d = refusedWithoutWrites(db, () -> as(t).body(items(id, "10", "ok-" + bad, id, bad, "bad-" + bad))
                    .post("/v1/credits"), 400, "invalid_amount");
            assertThat(d).startsWith("items[1].amount");
        }
        refusedWithoutWrites(db, () -> as(t).body("{\"items\":[{\"accountId\":\"" + id + "\",\"amount\":1.5,\"reference\":\"n\"}]}")
                .post("/v1/credits"), 400, "invalid_amount");
    }

    @Test
    void shapeErrorsAreValidationFailed() {
        String t = Tokens.integrator("cr-" + UUID.randomUUID());
        String id = Api.createAccount(t, "u");
        refusedWithoutWrites(db, () -> as(t).body("{}").post("/v1/credits"), 400, "validation_failed");
        refusedWithoutWrites(db, () -> as(t).body("{\"items\":[]}").post("/v1/credits"), 400, "validation_failed");
        refusedWithoutWrites(db, () -> as(t).body("{\"items\":{}}").post("/v1/credits"), 400, "validation_failed");
        refusedWithoutWrites(db, () -> as(t).body(items(id, "5", "")).post("/v1/credits"), 400, "validation_failed");
        refusedWithoutWrites(db, () -> as(t).body(items("bad id!", "5", "r")).post("/v1/credits"), 400, "validation_failed");
        refusedWithoutWrites(db, () -> as(t).body("{\"items\":[").post("/v1/credits"), 400, "malformed_json");
        List<Object> many = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            many.add(id);
            many.add("1");
            many.add("m-" + i);
        }
        String d = refusedWithoutWrites(db, () -> as(t).body(items(many.toArray())).post("/v1/credits"), 400, "validation_failed");
        assertThat(d).contains("1000");
    }

    @Test
    void duplicateReferencesAreNamedAndNothingIsWritten() {
        String t = Tokens.integrator("cr-" + UUID.randomUUID());
        String id = Api.createAccount(t, "u");
        String d = refusedWithoutWrites(db, () -> as(t).body(items(id, "5", "a", id, "6", "a")).post("/v1/credits"),
                409, "duplicate_reference");
        assertThat(d).contains("a");
        Api.credit(t, id, 5, "first");
        d = refusedWithoutWrites(db, () -> as(t).body(items(id, "5", "fresh", id, "6", "first")).post("/v1/credits"),
                409, "duplicate_reference");
        assertThat(d).contains("first").doesNotContain("fresh");
        as(t).get("/v1/accounts/" + id).then().body("balances.available", equalTo("5"));
    }

    @Test
    void unknownAccountInABatchWritesNothing() {
        String t = Tokens.integrator("cr-" + UUID.randomUUID());
        String id = Api.createAccount(t, "u");
        String d = refusedWithoutWrites(db, () -> as(t).body(items(id, "5", "x1", "acct_nope", "6", "x2")).post("/v1/credits"),
                404, "not_found");
        assertThat(d).contains("acct_nope");
    }

    @Test
    void aThousandItemsInOneRequest() {
        String t = Tokens.integrator("bulk-" + UUID.randomUUID());
        List<String> accounts = new ArrayList<>();
        for (int i = 0; i < 10; i++) accounts.add(Api.createAccount(t, "u" + i));
        List<Object> triples = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            triples.add(accounts.get(i % 10));
            triples.add("7");
            triples.add("bulk-" + i);
        }
        long before = db.scalar("SELECT count(*) FROM ledger_postings");
        long started = System.nanoTime();
        as(t).body(items(triples.toArray())).post("/v1/credits").then().statusCode(201)
                .body("count", equalTo(1000)).body("total", equalTo("7000"));
        System.out.printf("credits: 1000 items in one request took %d ms (first request, cold)%n",
                (System.nanoTime() - started) / 1_000_000);
        // one entry: each of the 10 accounts once with the sum of its 100 items, and the funding once
        assertThat(db.scalar("SELECT count(*) FROM ledger_postings") - before).isEqualTo(10 + 1);
        assertThat(db.scalar("SELECT count(*) FROM ledger_credit_items WHERE reference LIKE 'bulk-%' AND account_id = '"
                + accounts.get(3) + "'")).isEqualTo(100);
        as(t).get("/v1/accounts/" + accounts.get(3)).then().body("balances.available", equalTo("700"));
        assertThat(db.scalar("SELECT coalesce(sum(balance_base_units),0) FROM ledger_balances")).isZero();
    }

    /**
     * Requests posted together by the credit writer (one transaction): each valid one is posted with its
     * own audit event, a refused one gets its own refusal and writes nothing, and of two requests of the
     * batch with the same reference only the first is posted; each balance row is the sum of its credits.
     */
    @Test
    void requestsPostedTogetherAreRefusedAlone() throws SQLException {
        String integrator = "batch-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        String a = Api.createAccount(t, "a");
        String b = Api.createAccount(t, "b");
        Api.credit(t, a, 1, "used-before");
        // the first two requests claimed Idempotency-Keys (as the request filter claims them)
        for (String key : List.of("key-posted", "key-refused")) {
            db.execute("INSERT INTO idempotency_keys (caller_scope, idempotency_key, method, path, request_hash, created_at) "
                    + "VALUES ('" + integrator + "', '" + key + "', 'POST', '/v1/credits', 'h', now())");
        }
        List<CreditService.Pending> batch = List.of(
                pending(integrator, "key-posted", new LedgerService.CreditItem(a, 10, "p1"), new LedgerService.CreditItem(b, 20, "p2")),
                pending(integrator, "key-refused", new LedgerService.CreditItem(a, 5, "p3"), new LedgerService.CreditItem("acct_nope", 5, "p4")),
                pending(integrator, new LedgerService.CreditItem(b, 7, "used-before")),
                pending(integrator, new LedgerService.CreditItem(b, 3, "p5"), new LedgerService.CreditItem(a, 4, "p1")),
                pending(integrator, new LedgerService.CreditItem(a, 100, "p6"), new LedgerService.CreditItem(a, 200, "p7"),
                        new LedgerService.CreditItem(b, 300, "p8")),
                pending(integrator, new LedgerService.CreditItem(b, 1, "p9"), new LedgerService.CreditItem(b, 1, "p9")));
        Map<CreditService.Pending, Object> out = io.microsettle.infra.Transactions.write("test", () -> credits.postAll(batch));

        assertThat(out.get(batch.get(0))).isInstanceOfSatisfying(LedgerService.CreditResult.class, r -> {
            assertThat(r.count()).isEqualTo(2);
            assertThat(r.totalBaseUnits()).isEqualTo(30);
            assertThat(r.entryId()).startsWith("ent_");
        });
        assertThat(out.get(batch.get(1))).isInstanceOfSatisfying(io.microsettle.infra.ApiException.class,
                e -> assertThat(e.getMessage()).contains("acct_nope"));
        assertThat(out.get(batch.get(2))).isInstanceOfSatisfying(io.microsettle.infra.ApiException.class,
                e -> assertThat(e.getMessage()).contains("used-before"));
        assertThat(out.get(batch.get(3))).as("p1 taken by the first request of the batch")
                .isInstanceOfSatisfying(io.microsettle.infra.ApiException.class, e -> assertThat(e.getMessage()).contains("p1"));
        assertThat(out.get(batch.get(4))).isInstanceOfSatisfying(LedgerService.CreditResult.class,
                r -> assertThat(r.totalBaseUnits()).isEqualTo(600));
        assertThat(out.get(batch.get(5))).isInstanceOfSatisfying(io.microsettle.infra.ApiException.class,
                e -> assertThat(e.getMessage()).contains("repeated"));

        as(t).get("/v1/accounts/" + a).then().body("balances.available", equalTo(Long.toString(1 + 10 + 100 + 200)));
        as(t).get("/v1/accounts/" + b).then().body("balances.available", equalTo(Long.toString(20 + 300)));
        // one entry per posted request; one item row per credit
        assertThat(db.scalar("SELECT count(*) FROM ledger_entries WHERE integrator_id = '" + integrator + "'")).isEqualTo(1 + 1 + 1);
        assertThat(db.scalar("SELECT count(*) FROM ledger_credit_items WHERE integrator_id = '" + integrator + "'")).isEqualTo(1 + 2 + 3);
        String sixHundred = ((LedgerService.CreditResult) out.get(batch.get(4))).entryId();
        assertThat(db.text("SELECT string_agg(ledger_account || '=' || amount_base_units, ',' ORDER BY ledger_account COLLATE \"C\")"
                + " FROM ledger_postings WHERE entry_id = '" + sixHundred + "'"))
                .as("account a once, with the sum of its two items")
                .isEqualTo(String.join(",", new java.util.TreeSet<>(List.of("integrator:" + integrator + ":funding=-600",
                        "user:" + a + ":available=300", "user:" + b + ":available=300"))));
        assertThat(db.text("SELECT string_agg(reference || ' ' || account_id || ' ' || amount_base_units, ',' ORDER BY reference)"
                + " FROM ledger_credit_items WHERE entry_id = '" + sixHundred + "'"))
                .isEqualTo("p6 " + a + " 100,p7 " + a + " 200,p8 " + b + " 300");
        db.awaitAuditSealed();
        assertThat(db.scalar("SELECT count(*) FROM audit_events WHERE type = 'credits.posted' AND subject = 'integrator:" + integrator + "'"))
                .as("one event per posted request").isEqualTo(1 + 2);
        assertThat(db.scalar("SELECT coalesce(sum(balance_base_units),0) FROM ledger_balances")).isZero();
        // the posted request's 201 stored with its credits; the refused one's key left to the response filter
        assertThat(db.text("SELECT response_status || ' ' || response_body FROM idempotency_keys WHERE caller_scope = '" + integrator
                + "' AND idempotency_key = 'key-posted'")).isEqualTo("201 {\"count\":2,\"total\":\"30\"}");
        assertThat(db.scalar("SELECT count(*) FROM idempotency_keys WHERE caller_scope = '" + integrator
                + "' AND idempotency_key = 'key-refused' AND response_status IS NULL")).isEqualTo(1);
    }

    static CreditService.Pending pending(String integrator, LedgerService.CreditItem... items) {
        return pending(integrator, null, items);
    }

    static CreditService.Pending pending(String integrator, String idempotencyKey, LedgerService.CreditItem... items) {
        return new CreditService.Pending(integrator, integrator, List.of(items),
                idempotencyKey == null ? null : new io.microsettle.security.IdempotencyStore.Claimed(integrator, idempotencyKey),
                new java.util.concurrent.CompletableFuture<>());
    }

    @Test
    void postingsAreImmutable() {
        String t = Tokens.integrator("imm-" + UUID.randomUUID());
        Api.credit(t, Api.createAccount(t, "u"), 9, "imm");
        assertThatThrownBy(() -> db.execute("UPDATE ledger_postings SET amount_base_units = 1"))
                .isInstanceOf(SQLException.class).hasMessageContaining("append-only");
        assertThatThrownBy(() -> db.execute("DELETE FROM ledger_postings"))
                .isInstanceOf(SQLException.class).hasMessageContaining("append-only");
        assertThatThrownBy(() -> db.execute("DELETE FROM audit_events"))
                .isInstanceOf(SQLException.class).hasMessageContaining("append-only");
    }
}
