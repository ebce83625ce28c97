package io.microsettle.ledger;

import io.agroal.api.AgroalDataSource;
import io.microsettle.infra.Db;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.util.List;

/**
 * Recomputes every ledger balance from the journal (the postings) and reports where the stored
 * balances differ, which entries do not sum to zero, which credit entries differ from their items (per
 * entry and account, the items' sum against the posting), which integrators owe less than nothing (their
 * obligations summed over stripes), and the sum of all balances (zero in a balanced ledger). Read-only.
 */
@ApplicationScoped
public class LedgerCheck {
    /** How many differences a report lists at most (the counts are always complete). */
    public static final int MAX_LISTED = 100;

    public record Difference(String ledgerAccount, long storedBaseUnits, long recomputedBaseUnits) {}

    public record UnbalancedEntry(String entryId, long sumBaseUnits) {}

    public record Report(boolean ok, long accounts, long entries, long postings, long sumOfBalances,
                         long differenceCount, List<Difference> differences,
                         long unbalancedEntryCount, List<UnbalancedEntry> unbalancedEntries,
                         long creditItemDifferenceCount, long negativeObligationCount) {}

    @Inject
    AgroalDataSource ds;

    @Transactional
    public Report run() {
        long accounts = Db.scalar(ds, "SELECT count(*) FROM ledger_balances");
        long entries = Db.scalar(ds, "SELECT count(*) FROM ledger_entries");
        long postings = Db.scalar(ds, "SELECT count(*) FROM ledger_postings");
        long sum = Db.scalar(ds, "SELECT coalesce(sum(balance_base_units), 0) FROM ledger_balances");
        String differing = """
                FROM ledger_balances b
                FULL OUTER JOIN (SELECT ledger_account, sum(amount_base_units)::bigint AS total
                                   FROM ledger_postings GROUP BY ledger_account) p
                  ON p.ledger_account = b.ledger_account
               WHERE coalesce(b.balance_base_units, 0) <> coalesce(p.total, 0)""";
        long diffCount = Db.scalar(ds, "SELECT count(*) " + differing);
        List<Difference> diffs = Db.query(ds, "SELECT coalesce(b.ledger_account, p.ledger_account), coalesce(b.balance_base_units, 0), "
                        + "coalesce(p.total, 0) " + differing + " ORDER BY 1 LIMIT ?",
                rs -> new Difference(rs.getString(1), rs.getLong(2), rs.getLong(3)), MAX_LISTED);
        String unbalancedSql = """
                FROM ledger_entries e LEFT JOIN ledger_postings p ON p.entry_id = e.id
               GROUP BY e.id HAVING coalesce(sum(p.amount_base_units), 0) <> 0 OR count(p.id) < 2""";
        long unbalancedCount = Db.scalar(ds, "SELECT count(*) FROM (SELECT e.id " + unbalancedSql + ") u");
        List<UnbalancedEntry> unbalanced = Db.query(ds, "SELECT e.id, coalesce(sum(p.amount_base_units), 0)::bigint "
                + unbalancedSql + " ORDER BY 1 LIMIT ?", rs -> new UnbalancedEntry(rs.getString(1), rs.getLong(2)), MAX_LISTED);
        // the postings' accounts by their balance rows (kind and owner), not by the key's format, which LedgerAccount owns
        long creditItemDifferences = Db.scalar(ds, """
                WITH i AS (SELECT entry_id, account_id, sum(amount_base_units) AS total FROM ledger_credit_items GROUP BY 1, 2),
                     p AS (SELECT p.entry_id, b.owner_id AS account_id, sum(p.amount_base_units) AS total
                             FROM ledger_postings p JOIN ledger_balances b ON b.ledger_account = p.ledger_account AND b.kind = ?
                            WHERE p.entry_kind = ? GROUP BY 1, 2)
                SELECT count(*) FROM i FULL OUTER JOIN p USING (entry_id, account_id) WHERE i.total IS DISTINCT FROM p.total""",
                LedgerAccountKind.USER_AVAILABLE, EntryKind.CREDIT);
        long negativeObligations = Db.scalar(ds, "SELECT count(*) FROM (SELECT owner_id FROM ledger_balances WHERE kind = ? "
                + "GROUP BY owner_id HAVING sum(balance_base_units) < 0) o", LedgerAccountKind.INTEGRATOR_OBLIGATIONS);
        boolean ok = diffCount == 0 && unbalancedCount == 0 && sum == 0 && creditItemDifferences == 0 && negativeObligations == 0;
        return new Report(ok, accounts, entries, postings, sum, diffCount, diffs, unbalancedCount, unbalanced, creditItemDifferences,
                negativeObligations);
    }
}
