package io.microsettle.ledger;

import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.agroal.api.AgroalDataSource;
import io.microsettle.infra.Db;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static io.microsettle.testsupport.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;

/** The ledger check recomputes balances from the journal and reports a tampered balance row. */
@QuarkusTest
class LedgerCheckTest {
    @Inject
    DbRows db;
    @Inject
    LedgerCheck check;
    @Inject
    AgroalDataSource ds;

    @Test
    void tamperedBalanceIsReported() throws Exception {
        String integrator = "chk-" + UUID.randomUUID();
        Api.FundedAccount a = Api.fundedAccount(integrator, 7_000_000);
        String auditor = Tokens.auditor("carol");
        as(auditor).get("/v1/audit/ledger-check").then().statusCode(200)
                .body("ok", equalTo(true)).body("differenceCount", equalTo(0)).body("sumOfBalances", equalTo("0"));
        String key = "user:" + a.id() + ":available";
        db.execute("UPDATE ledger_balances SET balance_base_units = balance_base_units + 5 WHERE ledger_account = '" + key + "'");
        try {
            as(Tokens.of("root", "admin")).get("/v1/audit/ledger-check").then().statusCode(200)
                    .body("ok", equalTo(false))
                    .body("differenceCount", equalTo(1))
                    .body("differences", hasSize(1))
                    .body("differences[0].ledgerAccount", equalTo(key))
                    .body("differences[0].stored", equalTo("7000005"))
                    .body("differences[0].recomputed", equalTo("7000000"))
                    .body("sumOfBalances", equalTo("5"));
        } finally {
            db.execute("UPDATE ledger_balances SET balance_base_units = balance_base_units - 5 WHERE ledger_account = '" + key + "'");
        }
        as(auditor).get("/v1/audit/ledger-check").then().body("ok", equalTo(true));
        as(Tokens.integrator(integrator)).get("/v1/audit/ledger-check").then().statusCode(403);
    }

    /** An item without its posting (written, then rolled back, inside the check's transaction) is a difference. */
    @Test
    void creditItemThatDiffersFromItsEntryIsReported() {
        String integrator = "chk-" + UUID.randomUUID();
        Api.FundedAccount a = Api.fundedAccount(integrator, 7_000_000);
        String entryId = db.text("SELECT entry_id FROM ledger_credit_items WHERE account_id = '" + a.id() + "'");
        LedgerCheck.Report tampered;
        QuarkusTransaction.begin();
        try {
            Db.update(ds, "INSERT INTO ledger_credit_items (integrator_id, reference, entry_id, account_id, amount_base_units, created_at)"
                    + " VALUES (?, 'stray', ?, ?, 5, now())", integrator, entryId, a.id());
            tampered = check.run();
        } finally {
            QuarkusTransaction.rollback();
        }
        assertThat(tampered.ok()).isFalse();
        assertThat(tampered.creditItemDifferenceCount()).isEqualTo(1);
        assertThat(tampered.differenceCount()).as("the balances still match the postings").isZero();
        as(Tokens.auditor("carol")).get("/v1/audit/ledger-check").then().statusCode(200)
                .body("ok", equalTo(true)).body("creditItemDifferenceCount", equalTo(0));
    }
}
