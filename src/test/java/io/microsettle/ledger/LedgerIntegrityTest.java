package io.microsettle.ledger;

import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The journal's invariants, checked over everything the suites wrote. */
@QuarkusTest
class LedgerIntegrityTest {
    @Inject
    DbRows db;

    @Test
    void journalInvariantsHold() {
        String t = Tokens.integrator("int-" + UUID.randomUUID());
        Api.credit(t, Api.createAccount(t, "u"), 42, "i1");
        assertThat(db.scalar("SELECT count(*) FROM ledger_postings p LEFT JOIN ledger_entries e ON e.id = p.entry_id "
                + "WHERE e.id IS NULL")).as("postings without entry").isZero();
        assertThat(db.scalar("SELECT count(*) FROM ledger_postings p LEFT JOIN ledger_balances b "
                + "ON b.ledger_account = p.ledger_account WHERE b.ledger_account IS NULL")).as("postings without account").isZero();
        assertThat(db.scalar("SELECT count(*) FROM (SELECT entry_id FROM ledger_postings GROUP BY entry_id "
                + "HAVING sum(amount_base_units) <> 0 OR count(*) < 2) x")).as("unbalanced entries").isZero();
        assertThat(db.scalar("SELECT count(*) FROM ledger_entries e WHERE NOT EXISTS "
                + "(SELECT 1 FROM ledger_postings p WHERE p.entry_id = e.id)")).as("entries without postings").isZero();
        assertThat(db.scalar("SELECT count(*) FROM ledger_balances b LEFT JOIN (SELECT ledger_account, sum(amount_base_units) s "
                + "FROM ledger_postings GROUP BY ledger_account) p ON p.ledger_account = b.ledger_account "
                + "WHERE b.balance_base_units <> coalesce(p.s, 0)")).as("balances that differ from the journal").isZero();
    }
}
