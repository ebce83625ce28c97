package io.microsettle.ledger;

import io.microsettle.testsupport.TestDatabase;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * V25 moves credit references from the entries (one entry per item) to ledger_credit_items: the credits
 * written before keep their reference, account and amount there, so a reference used before V25 is
 * still refused after it, and the table is append-only.
 */
class CreditItemsMigrationTest {

    @Test
    void referencesOfCreditsBeforeV25AreKeptAsItemsAndStayUnique() throws SQLException {
        try (TestDatabase db = TestDatabase.start()) {
            db.migrateTo("24");
            try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password());
                 Statement s = c.createStatement()) {
                s.execute("INSERT INTO ledger_entries (id, integrator_id, kind, reference, created_at) VALUES"
                        + " ('ent_c1', 'int_1', 'CREDIT', 'r1', now()), ('ent_c2', 'int_1', 'CREDIT', 'r2', now()),"
                        + " ('ent_h', 'int_1', 'HOLD', NULL, now())");
                s.execute("INSERT INTO ledger_postings (entry_id, ledger_account, amount_base_units, entry_kind, created_at) VALUES"
                        + " ('ent_c1', 'user:acct_a:available', 500, 'CREDIT', now()), ('ent_c1', 'integrator:int_1:funding', -500, 'CREDIT', now()),"
                        + " ('ent_c2', 'user:acct_b:available', 70, 'CREDIT', now()), ('ent_c2', 'integrator:int_1:funding', -70, 'CREDIT', now()),"
                        + " ('ent_h', 'user:acct_a:available', -200, 'HOLD', now()), ('ent_h', 'user:acct_a:held', 200, 'HOLD', now())");
                s.execute("INSERT INTO ledger_balances (ledger_account, kind, owner_id, balance_base_units, updated_at) VALUES"
                        + " ('user:acct_a:available', 'USER_AVAILABLE', 'acct_a', 300, now()),"
                        + " ('user:acct_a:held', 'USER_HELD', 'acct_a', 200, now()),"
                        + " ('user:acct_b:available', 'USER_AVAILABLE', 'acct_b', 70, now()),"
                        + " ('integrator:int_1:funding', 'INTEGRATOR_FUNDING', 'int_1', -570, now())");

                db.migrateTo("latest");

                try (ResultSet rs = s.executeQuery("SELECT string_agg(integrator_id || ' ' || reference || ' ' || entry_id || ' ' || account_id"
                        + " || ' ' || amount_base_units, ',' ORDER BY reference) FROM ledger_credit_items")) {
                    rs.next();
                    assertThat(rs.getString(1)).isEqualTo("int_1 r1 ent_c1 acct_a 500,int_1 r2 ent_c2 acct_b 70");
                }
                assertThatThrownBy(() -> s.execute("INSERT INTO ledger_credit_items (integrator_id, reference, entry_id, account_id,"
                        + " amount_base_units, created_at) VALUES ('int_1', 'r1', 'ent_x', 'acct_b', 1, now())"))
                        .hasMessageContaining("ledger_credit_items_pkey");
                s.execute("INSERT INTO ledger_credit_items (integrator_id, reference, entry_id, account_id, amount_base_units, created_at)"
                        + " VALUES ('int_2', 'r1', 'ent_y', 'acct_c', 1, now())"); // unique per integrator only
                assertThatThrownBy(() -> s.execute("UPDATE ledger_credit_items SET amount_base_units = 1"))
                        .hasMessageContaining("append-only");
                assertThatThrownBy(() -> s.execute("DELETE FROM ledger_credit_items")).hasMessageContaining("append-only");
            }
        }
    }
}
