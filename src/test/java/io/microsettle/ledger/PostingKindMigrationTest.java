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
 * V18 gives each posting its entry's kind: postings written before it are filled from their entries,
 * and the table is append-only again afterwards.
 */
class PostingKindMigrationTest {

    @Test
    void postingsOfADatabaseBeforeV18GetTheirEntrysKindAndStayAppendOnly() throws SQLException {
        try (TestDatabase db = TestDatabase.start()) {
            db.migrateTo("16");
            try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password());
                 Statement s = c.createStatement()) {
                s.execute("INSERT INTO ledger_entries (id, integrator_id, kind, reference, created_at) VALUES"
                        + " ('ent_c', 'int_1', 'CREDIT', 'r1', now()), ('ent_h', 'int_1', 'HOLD', NULL, now())");
                s.execute("INSERT INTO ledger_postings (entry_id, ledger_account, amount_base_units, created_at) VALUES"
                        + " ('ent_c', 'user:a:available', 500, now()), ('ent_c', 'integrator:int_1:funding', -500, now()),"
                        + " ('ent_h', 'user:a:available', -200, now()), ('ent_h', 'user:a:held', 200, now())");

                db.migrateTo("latest");

                try (ResultSet rs = s.executeQuery("SELECT string_agg(entry_id || '=' || entry_kind, ',' ORDER BY id) FROM ledger_postings")) {
                    rs.next();
                    assertThat(rs.getString(1)).isEqualTo("ent_c=CREDIT,ent_c=CREDIT,ent_h=HOLD,ent_h=HOLD");
                }
                try (ResultSet rs = s.executeQuery("SELECT coalesce(sum(amount_base_units), 0) FROM ledger_postings"
                        + " WHERE ledger_account = 'user:a:available' AND entry_kind = 'CREDIT'")) {
                    rs.next();
                    assertThat(rs.getLong(1)).isEqualTo(500);
                }
                assertThatThrownBy(() -> s.execute("UPDATE ledger_postings SET entry_kind = 'SETTLE'"))
                        .hasMessageContaining("append-only");
                assertThatThrownBy(() -> s.execute("INSERT INTO ledger_postings (entry_id, ledger_account, amount_base_units, created_at)"
                        + " VALUES ('ent_c', 'user:a:available', 1, now())")).hasMessageContaining("entry_kind");
            }
        }
    }
}
