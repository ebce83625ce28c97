package io.microsettle.ledger;

import io.agroal.api.AgroalDataSource;
import io.microsettle.infra.ApiException;
import io.microsettle.infra.Db;
import io.microsettle.infra.Ids;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The double-entry ledger: the one writer of ledger_balances, ledger_entries and ledger_postings.
 * Every method joins the caller's transaction (or starts one); postings, entries and balances are
 * written set-based, a handful of statements per call whatever the number of entries. The balance
 * rows an entry touches are locked in key order before any of them changes (the documented lock
 * order), so two posts never wait on each other in a circle.
 */
@ApplicationScoped
public class LedgerService {
    /** How many offending references a refusal names at most. */
    static final int MAX_NAMED = 20;
    /** The most entries one post takes. */
    public static final int MAX_ENTRIES = 10_000;

    /**
     * The balances that are not guarded debits (keys, kinds, owners, amounts): one upsert whose input is sorted by
     * {@code ledger_account}, so it locks (or creates) the rows in the documented key order as it goes.
     */
    private static final String BALANCE_UPSERT = """
            INSERT INTO ledger_balances (ledger_account, kind, owner_id, balance_base_units, updated_at)
            SELECT k, kd, o, a, now() FROM unnest(?::text[], ?::text[], ?::text[], ?::bigint[]) AS t(k, kd, o, a)
             ORDER BY k
            ON CONFLICT (ledger_account) DO UPDATE
              SET balance_base_units = ledger_balances.balance_base_units + EXCLUDED.balance_base_units,
                  updated_at = EXCLUDED.updated_at""";

    /** One credit to post. */
    public record CreditItem(String accountId, long amountBaseUnits, String reference) {}

    /** One request's credits: posted as one entry, its items kept one row each (see {@link #postCredits}). */
    public record CreditPost(String integratorId, List<CreditItem> items) {
        public CreditPost {
            items = List.copyOf(items);
            if (items.isEmpty()) throw new IllegalArgumentException("a credit post needs at least one item");
        }
    }

    /** What a credit request did: its item count, total and the one entry that carries it. */
    public record CreditResult(int count, long totalBaseUnits, String entryId) {}

    /** A user account's balances. */
    public record Balances(long availableBaseUnits, long heldBaseUnits) {}

    @Inject
    AgroalDataSource ds;

    /**
     * Posts credits for one integrator, all or nothing: every account must be the
     * integrator's, every reference new (within the request and for the integrator).
     */
    @Transactional
    public CreditResult credit(String integratorId, List<CreditItem> items) {
        ApiException refused = creditRefusal(integratorId, items, Set.of());
        if (refused != null) throw refused;
        String entryId = postCredits(List.of(new CreditPost(integratorId, items)), ids -> {}).getFirst();
        return new CreditResult(items.size(), total(items), entryId);
    }

    /**
     * Why a credit request would be refused (reads only, in the caller's transaction if any), or null;
     * see {@link #creditRefusal(List, Set, Set, Set)}.
     */
    ApiException creditRefusal(String integratorId, List<CreditItem> items, Set<String> takenRefs) {
        List<String> accountIds = items.stream().map(CreditItem::accountId).distinct().toList();
        List<String> refs = items.stream().map(CreditItem::reference).distinct().toList();
        return creditRefusal(items, knownAccounts(integratorId, accountIds), usedReferences(integratorId, refs), takenRefs);
    }

    /** Of {@code accountIds}, those that are the integrator's accounts (one statement). */
    Set<String> knownAccounts(String integratorId, Collection<String> accountIds) {
        return new HashSet<>(Db.query(ds, "SELECT id FROM accounts WHERE integrator_id = ? AND id = ANY(?)",
                rs -> rs.getString(1), integratorId, accountIds.toArray(String[]::new)));
    }

    /** Of {@code references}, those the integrator has used (one statement). */
    Set<String> usedReferences(String integratorId, Collection<String> references) {
        return new HashSet<>(Db.query(ds, "SELECT reference FROM ledger_credit_items WHERE integrator_id = ? AND reference = ANY(?)",
                rs -> rs.getString(1), integratorId, references.toArray(String[]::new)));
    }

    /**
     * Why a credit request is refused, or null (plain Java over what was read): a reference repeated in
     * the request, an account not among the integrator's {@code knownAccounts}, a reference in
     * {@code usedRefs} (used before) or in {@code takenRefs} (taken by an earlier request of the same
     * write). Answers rather than throws, so a refusal does not doom the caller's transaction.
     */
    static ApiException creditRefusal(List<CreditItem> items, Set<String> knownAccounts, Set<String> usedRefs, Set<String> takenRefs) {
        Set<String> refs = new LinkedHashSet<>();
        Set<String> dupes = new LinkedHashSet<>();
        Set<String> unknown = new LinkedHashSet<>();
        for (CreditItem i : items) {
            if (!knownAccounts.contains(i.accountId())) unknown.add(i.accountId());
            if (!refs.add(i.reference())) dupes.add(i.reference());
        }
        if (!dupes.isEmpty()) {
            return ApiException.conflict("duplicate_reference", "references repeated in the request: " + named(dupes));
        }
        if (!unknown.isEmpty()) return new ApiException(404, "not_found", "accounts not found: " + named(unknown));
        List<String> used = refs.stream().filter(r -> usedRefs.contains(r) || takenRefs.contains(r)).toList();
        return used.isEmpty() ? null : ApiException.conflict("duplicate_reference", "references already used: " + named(used));
    }

    /** A request's one entry: each account credited once with the sum of its items. */
    static JournalEntry creditEntry(CreditPost post) {
        TreeMap<String, Long> byAccount = new TreeMap<>();
        for (CreditItem i : post.items()) byAccount.merge(i.accountId(), i.amountBaseUnits(), Math::addExact);
        return JournalEntry.credits(post.integratorId(), byAccount);
    }

    static long total(List<CreditItem> items) {
        long total = 0;
        for (CreditItem i : items) total = Math.addExact(total, i.amountBaseUnits());
        return total;
    }

    /**
     * Posts credit requests (checked by the caller: accounts the integrator's, references not repeated
     * within the posts), one entry each ({@link #creditEntry}), locking as late as it can: the entries,
     * their postings and their items first (inserts, no lock anyone waits for; a reference used before
     * fails the items' insert on their primary key: {@code duplicate_reference}), then {@code beforeBalances}
     * with the entry ids (the caller's own writes that no one else waits for: its audit events, its stored
     * responses), last the balance rows in one upsert whose input is sorted by {@code ledger_account}, so it
     * locks them in the documented key order as it goes and holds them only for the commit. Credits only
     * raise user balances, so no guarded debit is needed. Returns the entry ids in the posts' order.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<String> postCredits(List<CreditPost> posts, Consumer<List<String>> beforeBalances) {
        if (posts.isEmpty()) return List.of();
        int items = posts.stream().mapToInt(p -> p.items().size()).sum();
        if (items > MAX_ENTRIES) throw new IllegalArgumentException("at most " + MAX_ENTRIES + " credit items per post");
        List<JournalEntry> entries = posts.stream().map(LedgerService::creditEntry).toList();
        Deltas d = Deltas.of(entries);
        if (d.debitKeys().length > 0) throw new IllegalStateException("a credit lowered a never-negative balance");
        try {
            List<String> ids = insertJournal(entries);
            insertCreditItems(posts, ids, items);
            beforeBalances.accept(ids);
            upsert(d);
            return ids;
        } catch (IllegalStateException e) {
            throw translate(e);
        }
    }

    /** Each post's {@code itemCount} items in all, with its entry's id (one statement). */
    private void insertCreditItems(List<CreditPost> posts, List<String> entryIds, int itemCount) {
        String[] integrators = new String[itemCount], references = new String[itemCount], entries = new String[itemCount];
        String[] accounts = new String[itemCount];
        Long[] amounts = new Long[itemCount];
        int at = 0;
        for (int k = 0; k < posts.size(); k++) {
            for (CreditItem i : posts.get(k).items()) {
                integrators[at] = posts.get(k).integratorId();
                references[at] = i.reference();
                entries[at] = entryIds.get(k);
                accounts[at] = i.accountId();
                amounts[at] = i.amountBaseUnits();
                at++;
            }
        }
        Db.update(ds, """
                INSERT INTO ledger_credit_items (integrator_id, reference, entry_id, account_id, amount_base_units, created_at)
                SELECT g, r, e, a, v, now() FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[]) AS t(g, r, e, a, v)""",
                integrators, references, entries, accounts, amounts);
    }

    /** Moves {@code grossBaseUnits} of the integrator's user account from available to held; refuses with insufficient_balance. */
    @Transactional(Transactional.TxType.MANDATORY)
    public String hold(String integratorId, String accountId, long grossBaseUnits, String cashoutId) {
        return postAll(List.of(JournalEntry.hold(integratorId, accountId, grossBaseUnits, cashoutId))).getFirst();
    }

    /**
     * Posts built entries (set-based), locking as late as it can: the entries and postings first
     * (inserts: no lock anyone waits for; a settlement's thousands of rows are written before the
     * integrator's shared balance rows are taken), then the balance rows in key order, the guarded
     * debits of the never-negative ones (refusing with insufficient_balance, which rolls the inserts
     * back with the rest) and the other balances. Returns the entry ids in order.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<String> postAll(List<JournalEntry> entries) {
        if (entries.isEmpty()) return List.of();
        if (entries.size() > MAX_ENTRIES) throw new IllegalArgumentException("at most " + MAX_ENTRIES + " entries per post");
        try {
            Deltas d = Deltas.of(entries);
            List<String> ids = insertJournal(entries);
            Db.query(ds, "SELECT 1 FROM ledger_balances WHERE ledger_account = ANY(?) ORDER BY ledger_account FOR NO KEY UPDATE",
                    rs -> 1, (Object) d.allKeys());
            if (d.debitKeys().length > 0) {
                debitAndUpsert(d);
            } else {
                upsert(d);
            }
            return ids;
        } catch (IllegalStateException e) {
            throw translate(e);
        }
    }

    /**
     * The guarded debits and the other balances in one statement (one round trip; the rows that exist are
     * locked already, in key order, and the two sets are disjoint). Never-negative accounts going down are
     * UPDATEs, so an absent row or a balance that would go below zero (the CHECK) refuses.
     */
    private void debitAndUpsert(Deltas d) {
        long debited = Db.scalar(ds, """
                WITH debited AS (
                  UPDATE ledger_balances b
                     SET balance_base_units = b.balance_base_units + t.a, updated_at = now()
                    FROM unnest(?::text[], ?::bigint[]) AS t(k, a)
                   WHERE b.ledger_account = t.k
                  RETURNING 1),
                upserted AS (
                """ + BALANCE_UPSERT + """

                  RETURNING 1)
                SELECT count(*) FROM debited""", d.debitKeys(), d.debitAmounts(), d.upKeys(), d.upKinds(), d.upOwners(), d.upAmounts());
        if (debited != d.debitKeys().length) {
            throw ApiException.unprocessable("insufficient_balance", "the account's available balance is too low");
        }
    }

    /** The entries and their postings, in one statement (a data-modifying CTE); returns the entry ids in order. */
    private List<String> insertJournal(List<JournalEntry> entries) {
        Journal j = Journal.of(entries);
        Db.update(ds, """
                WITH e AS (
                  INSERT INTO ledger_entries (id, integrator_id, kind, cashout_id, created_at)
                  SELECT i, g, k, co, now() FROM unnest(?::text[], ?::text[], ?::text[], ?::text[]) AS t(i, g, k, co))
                INSERT INTO ledger_postings (entry_id, ledger_account, amount_base_units, entry_kind, created_at)
                SELECT e, a, v, ek, now() FROM unnest(?::text[], ?::text[], ?::bigint[], ?::text[]) AS t(e, a, v, ek)""",
                j.ids(), j.integrators(), j.kinds(), j.cashouts(), j.postingEntries(), j.postingAccounts(),
                j.postingAmounts(), j.postingKinds());
        return List.of(j.ids());
    }

    /**
     * The balances that are not guarded debits, in one upsert whose input is sorted by {@code ledger_account}, so
     * it locks (or creates) the rows in the documented key order as it goes.
     */
    private void upsert(Deltas d) {
        if (d.upKeys().length == 0) return;
        Db.update(ds, BALANCE_UPSERT, d.upKeys(), d.upKinds(), d.upOwners(), d.upAmounts());
    }

    /** Per ledger account, the net change of a post, split into guarded debits and upserts; keys sorted. */
    record Deltas(String[] allKeys, String[] debitKeys, Long[] debitAmounts, String[] upKeys, String[] upKinds, String[] upOwners,
                  Long[] upAmounts) {
        static Deltas of(List<JournalEntry> entries) {
            TreeMap<String, Object[]> deltas = new TreeMap<>();
            for (JournalEntry e : entries) {
                for (JournalEntry.Posting p : e.postings()) {
                    Object[] d = deltas.computeIfAbsent(p.account().key(), k -> new Object[]{p.account().kind(), p.account().ownerId(), 0L});
                    d[2] = Math.addExact((Long) d[2], p.amountBaseUnits());
                }
            }
            List<String> dk = new ArrayList<>(), uk = new ArrayList<>(), ukd = new ArrayList<>(), uo = new ArrayList<>();
            List<Long> da = new ArrayList<>(), ua = new ArrayList<>();
            for (var d : deltas.entrySet()) {
                LedgerAccountKind kind = (LedgerAccountKind) d.getValue()[0];
                long amount = (Long) d.getValue()[2];
                if (kind.nonNegative() && amount < 0) {
                    dk.add(d.getKey());
                    da.add(amount);
                } else if (amount != 0) {
                    uk.add(d.getKey());
                    ukd.add(kind.name());
                    uo.add((String) d.getValue()[1]);
                    ua.add(amount);
                }
            }
            return new Deltas(deltas.keySet().toArray(String[]::new), dk.toArray(String[]::new), da.toArray(Long[]::new),
                    uk.toArray(String[]::new), ukd.toArray(String[]::new), uo.toArray(String[]::new), ua.toArray(Long[]::new));
        }
    }

    /** The entries and their postings as columns. */
    record Journal(String[] ids, String[] integrators, String[] kinds, String[] cashouts,
                   String[] postingEntries, String[] postingAccounts, Long[] postingAmounts, String[] postingKinds) {
        static Journal of(List<JournalEntry> entries) {
            int m = entries.size();
            int postings = entries.stream().mapToInt(e -> e.postings().size()).sum();
            Journal j = new Journal(new String[m], new String[m], new String[m], new String[m],
                    new String[postings], new String[postings], new Long[postings], new String[postings]);
            int p = 0;
            for (int k = 0; k < m; k++) {
                JournalEntry e = entries.get(k);
                j.ids[k] = Ids.newId("ent");
                j.integrators[k] = e.integratorId();
                j.kinds[k] = e.kind().name();
                j.cashouts[k] = e.cashoutId();
                for (JournalEntry.Posting posting : e.postings()) {
                    j.postingEntries[p] = j.ids[k];
                    j.postingAccounts[p] = posting.account().key();
                    j.postingAmounts[p] = posting.amountBaseUnits();
                    j.postingKinds[p] = j.kinds[k];
                    p++;
                }
            }
            return j;
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
        Db.query(ds, "SELECT owner_id, kind, balance_base_units FROM ledger_balances WHERE ledger_account = ANY(?)", rs -> {
            long[] b = acc.get(rs.getString(1));
            if (b != null) b[LedgerAccountKind.valueOf(rs.getString(2)) == LedgerAccountKind.USER_AVAILABLE ? 0 : 1] = rs.getLong(3);
            return 1;
        }, (Object) keys.toArray(String[]::new));
        Map<String, Balances> out = new TreeMap<>();
        acc.forEach((k, v) -> out.put(k, new Balances(v[0], v[1])));
        return out;
    }

    private static RuntimeException translate(IllegalStateException e) {
        if (!(e.getCause() instanceof SQLException s)) return e;
        String msg = String.valueOf(s.getMessage());
        if ("23514".equals(s.getSQLState()) && msg.contains("ledger_user_balance_non_negative")) {
            return ApiException.unprocessable("insufficient_balance", "the account's available balance is too low");
        }
        if ("23505".equals(s.getSQLState()) && msg.contains("ledger_credit_items_pkey")) {
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
