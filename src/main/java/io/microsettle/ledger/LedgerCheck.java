package io.microsettle.ledger;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Recomputes every ledger balance from the journal (the postings) and reports where the stored
 * balances differ, which entries do not sum to zero, and the sum of all balances (zero in a
 * balanced ledger). Read-only, one repeatable-read snapshot.
 */
@ApplicationScoped
public class LedgerCheck {
    /** How many differences a report lists at most (the counts are always complete). */
    public static final int MAX_LISTED = 100;

    public record Difference(String ledgerAccount, long storedBaseUnits, long recomputedBaseUnits) {}

    public record UnbalancedEntry(String entryId, long sumBaseUnits) {}

    public record Report(boolean ok, long accounts, long entries, long postings, long sumOfBalances,
                         long differenceCount, List<Difference> differences,
                         long unbalancedEntryCount, List<UnbalancedEntry> unbalancedEntries) {}

    @Inject
    AgroalDataSource dataSource;

    @Transactional
    public Report run() {
        try (Connection c = dataSource.getConnection()) {
            long accounts = scalar(c, "SELECT count(*) FROM ledger_balances");
            long entries = scalar(c, "SELECT count(*) FROM ledger_entries");
            long postings = scalar(c, "SELECT count(*) FROM ledger_postings");
            long sum = scalar(c, "SELECT coalesce(sum(balance_base_units), 0) FROM ledger_balances");
            List<Difference> diffs = new ArrayList<>();
            long diffCount = 0;
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT coalesce(b.ledger_account, p.ledger_account), coalesce(b.balance_base_units, 0), coalesce(p.total, 0)
                      FROM ledger_balances b
                      FULL OUTER JOIN (SELECT ledger_account, sum(amount_base_units)::bigint AS total
                                         FROM ledger_postings GROUP BY ledger_account) p
                        ON p.ledger_account = b.ledger_account
                     WHERE coalesce(b.balance_base_units, 0) <> coalesce(p.total, 0)
                     ORDER BY 1""");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    diffCount++;
                    if (diffs.size() < MAX_LISTED) diffs.add(new Difference(rs.getString(1), rs.getLong(2), rs.getLong(3)));
                }
            }
            List<UnbalancedEntry> unbalanced = new ArrayList<>();
            long unbalancedCount = 0;
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT e.id, coalesce(sum(p.amount_base_units), 0)::bigint
                      FROM ledger_entries e LEFT JOIN ledger_postings p ON p.entry_id = e.id
                     GROUP BY e.id HAVING coalesce(sum(p.amount_base_units), 0) <> 0 OR count(p.id) < 2
                     ORDER BY 1""");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    unbalancedCount++;
                    if (unbalanced.size() < MAX_LISTED) unbalanced.add(new UnbalancedEntry(rs.getString(1), rs.getLong(2)));
                }
            }
            return new Report(diffCount == 0 && unbalancedCount == 0 && sum == 0, accounts, entries, postings, sum,
                    diffCount, diffs, unbalancedCount, unbalanced);
        } catch (SQLException e) {
            throw new IllegalStateException("ledger check failed", e);
        }
    }

    private static long scalar(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
