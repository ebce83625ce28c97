package io.microsettle.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.DbRows;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.SQLException;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The append-only tables refuse UPDATE, DELETE and TRUNCATE (even CASCADE, even for the database's owner): the audit
 * log and its Merkle nodes, the ledger's entries, postings and credit items, and the versioned fee schedules and limit sets keep
 * every row they were given.
 */
@QuarkusTest
class AppendOnlyTablesTest {
    @Inject
    DbRows db;

    @ParameterizedTest
    @CsvSource({"audit_events, actor", "ledger_entries, kind", "ledger_postings, amount_base_units",
            "ledger_credit_items, amount_base_units"})
    void updateDeleteAndTruncateAreRefused(String table, String column) throws Exception {
        Api.fundedAccount("append-only-" + UUID.randomUUID(), 1_000);
        db.awaitAuditSealed();
        long rows = db.scalar("SELECT count(*) FROM " + table);
        assertThat(rows).isPositive();

        refused("UPDATE " + table + " SET " + column + " = " + column, table + " is append-only: UPDATE refused");
        refused("DELETE FROM " + table + " WHERE true", table + " is append-only: DELETE refused");
        // plain TRUNCATE of a referenced table stops at the foreign keys first; either way nothing is removed
        assertThatThrownBy(() -> db.execute("TRUNCATE " + table)).isInstanceOf(SQLException.class)
                .message().containsAnyOf("is append-only: TRUNCATE refused", "referenced in a foreign key constraint");
        assertThat(db.scalar("SELECT count(*) FROM " + table)).isGreaterThanOrEqualTo(rows);
    }

    @ParameterizedTest
    @CsvSource({"audit_events", "audit_tree_nodes", "ledger_entries", "ledger_postings", "ledger_credit_items", "fee_schedules",
            "limit_sets"})
    void truncateIsRefusedEvenWithCascade(String table) {
        refused("TRUNCATE " + table + " CASCADE", table + " is append-only: TRUNCATE refused");
    }

    private void refused(String sql, String message) {
        assertThatThrownBy(() -> db.execute(sql)).as(sql).isInstanceOf(SQLException.class).hasMessageContaining(message);
    }
}
