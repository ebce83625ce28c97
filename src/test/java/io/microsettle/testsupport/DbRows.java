package io.microsettle.testsupport;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Row counts of every table in the schema (found at each snapshot, so tables added by later
 * migrations count too) and a few sums: "nothing was written" checks.
 */
@ApplicationScoped
public class DbRows {
    static final List<String> TABLES = List.of("accounts", "ledger_entries", "ledger_postings", "ledger_balances", "ledger_credit_items",
            "quotes", "cashouts", "audit_events", "audit_pending", "idempotency_keys", "fee_schedules", "limit_sets", "cashout_reviews",
            "webhook_endpoints", "webhook_events", "webhook_deliveries", "webhook_attempts");
    static final List<String> NOT_WRITES = List.of("rate_limit_buckets", "capacity_reservations",
            // the sealer adds the tree nodes of the events it links, at any time (counted with the events)
            "audit_tree_nodes");

    @Inject
    AgroalDataSource dataSource;

    public Map<String, Long> snapshot() {
        Map<String, Long> out = new LinkedHashMap<>();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            List<String> tables = new java.util.ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT table_name FROM information_schema.tables WHERE table_schema = "
                    + "current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name")) {
                while (rs.next()) tables.add(rs.getString(1));
            }
            if (!tables.containsAll(TABLES)) throw new IllegalStateException("tables missing: " + TABLES + " vs " + tables);
            // every authenticated request moves its caller's rate-limit row, and a cash-out may reserve capacity for the
            // requests after it: that is bookkeeping, not a write the request made
            tables.removeAll(NOT_WRITES);
            // one statement for all counts: the refusal suite takes a snapshot twice per case
            StringBuilder sql = new StringBuilder("SELECT ");
            for (int i = 0; i < tables.size(); i++) {
                sql.append(i == 0 ? "" : ", ").append("(SELECT count(*) FROM \"").append(tables.get(i)).append("\")");
            }
            try (ResultSet rs = s.executeQuery(sql.toString())) {
                rs.next();
                for (int i = 0; i < tables.size(); i++) out.put(tables.get(i), rs.getLong(i + 1));
            }
            // the sealer moves events from audit_pending to audit_events at any time: count them together
            out.put("audit_events", out.get("audit_events") + out.remove("audit_pending"));
            out.put("quotes.used", scalar(s, "SELECT count(*) FROM quotes WHERE used_at IS NOT NULL"));
            out.put("balances.sum", scalar(s, "SELECT coalesce(sum(balance_base_units), 0) FROM ledger_balances"));
            out.put("balances.abs", scalar(s, "SELECT coalesce(sum(abs(balance_base_units)), 0) FROM ledger_balances"));
            out.put("accounts.verified", scalar(s, "SELECT count(*) FROM accounts WHERE wallet IS NOT NULL"));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** The first column of the first row as a long; a query of the audit log first waits for every committed event to be sealed. */
    public long scalar(String sql) {
        if (sql.contains("audit_")) awaitAuditSealed();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            return scalar(s, sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first column of the first row as text (null if no row). */
    public String text(String sql) {
        if (sql.contains("audit_")) awaitAuditSealed();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public int execute(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            return s.executeUpdate(sql);
        }
    }

    /** Waits (up to 20 s) until the audit sealer has linked every committed event into the chain. */
    public void awaitAuditSealed() {
        long deadline = System.nanoTime() + 20_000_000_000L;
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            while (scalar(s, "SELECT count(*) FROM audit_pending") > 0) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("audit events still pending after 20 s");
                Thread.sleep(10);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static long scalar(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
