package io.microsettle.ledger;

import io.agroal.api.AgroalDataSource;
import io.microsettle.infra.ApiException;
import io.microsettle.infra.Ids;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The double-entry ledger. Every method joins the caller's transaction (or starts one);
 * postings, entries and balances are written set-based, a handful of statements per call
 * whatever the number of entries.
 */
@ApplicationScoped
public class LedgerService {
    /** How many offending references a refusal names at most. */
    static final int MAX_NAMED = 20;

    /** One credit to post. */
    public record CreditItem(String accountId, long amountBaseUnits, String reference) {}

    /** What a credit request did. */
    public record CreditResult(int count, long totalBaseUnits, List<String> entryIds) {}

    /** A user account's balances. */
    public record Balances(long availableBaseUnits, long heldBaseUnits) {}

    @Inject
    AgroalDataSource dataSource;

    /**
     * Posts credits for one integrator, all or nothing: every account must be the
     * integrator's, every reference new (within the request and for the integrator).
     */
    @Transactional
    public CreditResult credit(String integratorId, List<CreditItem> items) {
        if (items.isEmpty()) return new CreditResult(0, 0, List.of());
        try (Connection c = dataSource.getConnection()) {
            Set<String> accountIds = new LinkedHashSet<>();
            Set<String> refs = new LinkedHashSet<>();
            Set<String> dupes = new LinkedHashSet<>();
            for (CreditItem i : items) {
                accountIds.add(i.accountId());
                if (!refs.add(i.reference())) dupes.add(i.reference());
            }
            if (!dupes.isEmpty()) {
                throw ApiException.conflict("duplicate_reference", "references repeated in the request: " + named(dupes));
            }
            Set<String> known = new LinkedHashSet<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id FROM accounts WHERE integrator_id = ? AND id = ANY(?)")) {
                ps.setString(1, integratorId);
                ps.setArray(2, c.createArrayOf("text", accountIds.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) known.add(rs.getString(1));
                }
            }
            if (known.size() != accountIds.size()) {
                accountIds.removeAll(known);
                throw new ApiException(404, "not_found", "accounts not found: " + named(accountIds));
            }
            Set<String> used = new LinkedHashSet<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT reference FROM ledger_entries WHERE integrator_id = ? AND reference = ANY(?)")) {
                ps.setString(1, integratorId);
                ps.setArray(2, c.createArrayOf("text", refs.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) used.add(rs.getString(1));
                }
            }
            if (!used.isEmpty()) {
                throw ApiException.conflict("duplicate_reference", "references already used: " + named(used));
            }
            List<JournalEntry> entries = new ArrayList<>(items.size());
            long total = 0;
            for (CreditItem i : items) {
                entries.add(JournalEntry.credit(integratorId, i.accountId(), i.amountBaseUnits(), i.reference()));
                total = Math.addExact(total, i.amountBaseUnits());
            }
            List<String> ids = post(c, entries);
            return new CreditResult(items.size(), total, ids);
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    /** Moves {@code grossBaseUnits} from available to held; refuses with insufficient_balance. */
    @Transactional(Transactional.TxType.MANDATORY)
    public String hold(String accountId, long grossBaseUnits, String cashoutId) {
        return postOne(accountId, integrator -> JournalEntry.hold(integrator, accountId, grossBaseUnits, cashoutId));
    }

    /**
     * The hold becomes the net paid out on chain, the service fee revenue and the network-fee
     * pool; the split of the fee is the cash-out's quote's (all service fee if there is none).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public String settle(String accountId, long grossBaseUnits, long feeBaseUnits, String cashoutId) {
        long network = 0;
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT q.network_fee_base_units FROM cashouts co"
                     + " JOIN quotes q ON q.id = co.quote_id WHERE co.id = ?")) {
            ps.setString(1, cashoutId);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) network = Math.min(Math.max(rs.getLong(1), 0), feeBaseUnits);
            }
        } catch (SQLException e) {
            throw translate(e);
        }
        long networkFee = network;
        return postOne(accountId, integrator -> JournalEntry.settle(integrator, accountId, grossBaseUnits, feeBaseUnits,
                networkFee, cashoutId));
    }

    /** Held back to available (FAILED or REJECTED cash-outs). */
    @Transactional(Transactional.TxType.MANDATORY)
    public String release(String accountId, long grossBaseUnits, String cashoutId) {
        return postOne(accountId, integrator -> JournalEntry.release(integrator, accountId, grossBaseUnits, cashoutId));
    }

    /** Posts already built entries (set-based); for callers that transition many cash-outs at once. */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<String> postAll(List<JournalEntry> entries) {
        if (entries.isEmpty()) return List.of();
        try (Connection c = dataSource.getConnection()) {
            return post(c, entries);
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    @Transactional
    public Balances balances(String accountId) {
        return balances(List.of(accountId)).getOrDefault(accountId, new Balances(0, 0));
    }

    /** Balances of many user accounts in one query (absent accounts have none). */
    @Transactional
    public Map<String, Balances> balances(Collection<String> accountIds) {
        Map<String, long[]> acc = new TreeMap<>();
        List<String> keys = new ArrayList<>();
        for (String id : accountIds) {
            keys.add(LedgerAccount.userAvailable(id).key());
            keys.add(LedgerAccount.userHeld(id).key());
            acc.put(id, new long[2]);
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT owner_id, kind, balance_base_units FROM ledger_balances WHERE ledger_account = ANY(?)")) {
            ps.setArray(1, c.createArrayOf("text", keys.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long[] b = acc.get(rs.getString(1));
                    if (b == null) continue;
                    b[LedgerAccountKind.valueOf(rs.getString(2)) == LedgerAccountKind.USER_AVAILABLE ? 0 : 1] = rs.getLong(3);
                }
            }
        } catch (SQLException e) {
            throw translate(e);
        }
        Map<String, Balances> out = new TreeMap<>();
        acc.forEach((k, v) -> out.put(k, new Balances(v[0], v[1])));
        return out;
    }

    private String postOne(String accountId, java.util.function.Function<String, JournalEntry> build) {
        try (Connection c = dataSource.getConnection()) {
            String integrator;
            try (PreparedStatement ps = c.prepareStatement("SELECT integrator_id FROM accounts WHERE id = ?")) {
                ps.setString(1, accountId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) throw ApiException.notFound("account " + accountId);
                    integrator = rs.getString(1);
                }
            }
            return post(c, List.of(build.apply(integrator))).getFirst();
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    /** At most two statements for any number of entries: guarded debits, then balance upserts, entries and postings in one. */
    private static List<String> post(Connection c, List<JournalEntry> entries) throws SQLException {
        // 1. Balances, aggregated per ledger account, in key order (a fixed lock order).
        TreeMap<String, Object[]> deltas = new TreeMap<>();
        int postingCount = 0;
        for (JournalEntry e : entries) {
            for (JournalEntry.Posting p : e.postings()) {
                Object[] d = deltas.computeIfAbsent(p.account().key(),
                        k -> new Object[]{p.account().kind().name(), p.account().ownerId(), 0L});
                d[2] = Math.addExact((Long) d[2], p.amountBaseUnits());
                postingCount++;
            }
        }
        // Debits of never-negative (user) accounts are UPDATEs, so that an absent row or a
        // balance that would go below zero refuses the entry; everything else is an upsert
        // (PostgreSQL checks the candidate row of INSERT .. ON CONFLICT before the conflict).
        List<String> upKeys = new ArrayList<>();
        List<String> upKinds = new ArrayList<>();
        List<String> upOwners = new ArrayList<>();
        List<Long> upAmounts = new ArrayList<>();
        List<String> debitKeys = new ArrayList<>();
        List<Long> debitAmounts = new ArrayList<>();
        for (var d : deltas.entrySet()) {
            long amount = (Long) d.getValue()[2];
            boolean guarded = LedgerAccountKind.valueOf((String) d.getValue()[0]).nonNegative();
            if (guarded && amount < 0) {
                debitKeys.add(d.getKey());
                debitAmounts.add(amount);
            } else if (amount != 0) {
                upKeys.add(d.getKey());
                upKinds.add((String) d.getValue()[0]);
                upOwners.add((String) d.getValue()[1]);
                upAmounts.add(amount);
            }
        }
        if (!debitKeys.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE ledger_balances b
                       SET balance_base_units = b.balance_base_units + t.a, updated_at = now()
                      FROM unnest(?::text[], ?::bigint[]) AS t(k, a)
                     WHERE b.ledger_account = t.k""")) {
                ps.setArray(1, c.createArrayOf("text", debitKeys.toArray()));
                ps.setArray(2, c.createArrayOf("bigint", debitAmounts.toArray()));
                if (ps.executeUpdate() != debitKeys.size()) {
                    throw ApiException.unprocessable("insufficient_balance", "the account's available balance is too low");
                }
            }
        }
        // 2. Entries.
        int m = entries.size();
        String[] ids = new String[m];
        String[] integrators = new String[m];
        String[] entryKinds = new String[m];
        String[] refs = new String[m];
        String[] cashouts = new String[m];
        String[] pEntry = new String[postingCount];
        String[] pAccount = new String[postingCount];
        Long[] pAmount = new Long[postingCount];
        int j = 0;
        for (int k = 0; k < m; k++) {
            JournalEntry e = entries.get(k);
            ids[k] = Ids.newId("ent");
            integrators[k] = e.integratorId();
            entryKinds[k] = e.kind().name();
            refs[k] = e.reference();
            cashouts[k] = e.cashoutId();
            for (JournalEntry.Posting p : e.postings()) {
                pEntry[j] = ids[k];
                pAccount[j] = p.account().key();
                pAmount[j] = p.amountBaseUnits();
                j++;
            }
        }
        // 2 and 3: balance upserts, entries and postings in one statement (data-modifying CTEs).
        String sql = (upKeys.isEmpty() ? "WITH " : """
                WITH b AS (
                  INSERT INTO ledger_balances (ledger_account, kind, owner_id, balance_base_units, updated_at)
                  SELECT k, kd, o, a, now() FROM unnest(?::text[], ?::text[], ?::text[], ?::bigint[]) AS t(k, kd, o, a)
                  ON CONFLICT (ledger_account) DO UPDATE
                    SET balance_base_units = ledger_balances.balance_base_units + EXCLUDED.balance_base_units,
                        updated_at = EXCLUDED.updated_at),
                """) + """
                e AS (
                  INSERT INTO ledger_entries (id, integrator_id, kind, reference, cashout_id, created_at)
                  SELECT i, g, k, r, co, now() FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) AS t(i, g, k, r, co))
                INSERT INTO ledger_postings (entry_id, ledger_account, amount_base_units, created_at)
                SELECT e, a, v, now() FROM unnest(?::text[], ?::text[], ?::bigint[]) AS t(e, a, v)""";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int n = 1;
            if (!upKeys.isEmpty()) {
                ps.setArray(n++, c.createArrayOf("text", upKeys.toArray()));
                ps.setArray(n++, c.createArrayOf("text", upKinds.toArray()));
                ps.setArray(n++, c.createArrayOf("text", upOwners.toArray()));
                ps.setArray(n++, c.createArrayOf("bigint", upAmounts.toArray()));
            }
            ps.setArray(n++, c.createArrayOf("text", ids));
            ps.setArray(n++, c.createArrayOf("text", integrators));
            ps.setArray(n++, c.createArrayOf("text", entryKinds));
            ps.setArray(n++, c.createArrayOf("text", refs));
            ps.setArray(n++, c.createArrayOf("text", cashouts));
            ps.setArray(n++, c.createArrayOf("text", pEntry));
            ps.setArray(n++, c.createArrayOf("text", pAccount));
            ps.setArray(n, c.createArrayOf("bigint", pAmount));
            ps.executeUpdate();
        }
        return List.of(ids);
    }

    private static RuntimeException translate(SQLException e) {
        String msg = String.valueOf(e.getMessage());
        if ("23514".equals(e.getSQLState()) && msg.contains("ledger_user_balance_non_negative")) {
            return ApiException.unprocessable("insufficient_balance", "the account's available balance is too low");
        }
        if ("23505".equals(e.getSQLState()) && msg.contains("ledger_entries_reference_key")) {
            return ApiException.conflict("duplicate_reference", "a reference was used concurrently; retry to see which");
        }
        return new IllegalStateException("ledger write failed", e);
    }

    private static String named(Collection<String> values) {
        List<String> list = new ArrayList<>(values);
        String shown = String.join(", ", list.subList(0, Math.min(MAX_NAMED, list.size())));
        return list.size() > MAX_NAMED ? shown + " (and " + (list.size() - MAX_NAMED) + " more)" : shown;
    }
}
