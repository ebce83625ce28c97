package io.microsettle.ledger;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;

/**
 * A balanced journal entry (plain Java): at least two postings, none zero, each ledger
 * account at most once, summing to exactly zero (overflow-checked).
 */
public record JournalEntry(EntryKind kind, String integratorId, String cashoutId, List<Posting> postings) {

    /** One leg: a signed amount of base units on one ledger account. */
    public record Posting(LedgerAccount account, long amountBaseUnits) {}

    public JournalEntry {
        postings = List.copyOf(postings);
        if (postings.size() < 2) throw new IllegalArgumentException("an entry needs at least two postings");
        long sum = 0;
        Set<String> seen = new HashSet<>();
        for (Posting p : postings) {
            if (p.amountBaseUnits() == 0) throw new IllegalArgumentException("a posting may not be zero");
            if (!seen.add(p.account().key())) throw new IllegalArgumentException("ledger account twice in one entry: " + p.account().key());
            sum = Math.addExact(sum, p.amountBaseUnits());
        }
        if (sum != 0) throw new IllegalArgumentException("postings sum to " + sum + ", not zero");
    }

    /**
     * The credits of one request: the integrator's funding pays into each user's available balance,
     * one posting per account with the sum of its credits ({@code amountsByAccount}, each positive),
     * and one funding posting with the total. The items themselves (each reference, account and
     * amount) are kept beside the entry; see {@link LedgerService#postCredits}.
     */
    public static JournalEntry credits(String integratorId, SortedMap<String, Long> amountsByAccount) {
        if (amountsByAccount.isEmpty()) throw new IllegalArgumentException("a credit needs at least one account");
        List<Posting> legs = new ArrayList<>(amountsByAccount.size() + 1);
        long total = 0;
        for (Map.Entry<String, Long> a : amountsByAccount.entrySet()) {
            positive(a.getValue(), "amount");
            legs.add(new Posting(LedgerAccount.userAvailable(a.getKey()), a.getValue()));
            total = Math.addExact(total, a.getValue());
        }
        legs.add(new Posting(LedgerAccount.integratorFunding(integratorId), -total));
        return new JournalEntry(EntryKind.CREDIT, integratorId, null, legs);
    }

    /**
     * A hold for a cash-out: available to held, and the gross becomes an obligation of the
     * integrator's escrow until the cash-out settles or is released.
     */
    public static JournalEntry hold(String integratorId, String accountId, long grossBaseUnits, String cashoutId) {
        positive(grossBaseUnits, "gross");
        return new JournalEntry(EntryKind.HOLD, integratorId, cashoutId, List.of(
                new Posting(LedgerAccount.userAvailable(accountId), -grossBaseUnits),
                new Posting(LedgerAccount.userHeld(accountId), grossBaseUnits),
                new Posting(LedgerAccount.integratorEscrowCommitted(integratorId, LedgerAccount.stripeOf(accountId)), -grossBaseUnits),
                new Posting(LedgerAccount.integratorObligations(integratorId, LedgerAccount.stripeOf(accountId)), grossBaseUnits)));
    }

    /** A settled cash-out with the whole fee as service fee (see the overload that splits it). */
    public static JournalEntry settle(String integratorId, String accountId, long grossBaseUnits, long feeBaseUnits,
                                      String cashoutId) {
        return settle(integratorId, accountId, grossBaseUnits, feeBaseUnits, 0, cashoutId);
    }

    /**
     * A settled cash-out: the hold becomes the net paid on chain, the service fee revenue and the
     * network-fee pool ({@code networkFeeBaseUnits} of the fee; 0 <= network <= fee).
     */
    public static JournalEntry settle(String integratorId, String accountId, long grossBaseUnits, long feeBaseUnits,
                                      long networkFeeBaseUnits, String cashoutId) {
        positive(grossBaseUnits, "gross");
        if (feeBaseUnits < 0 || feeBaseUnits >= grossBaseUnits) {
            throw new IllegalArgumentException("fee must be at least 0 and less than gross");
        }
        if (networkFeeBaseUnits < 0 || networkFeeBaseUnits > feeBaseUnits) {
            throw new IllegalArgumentException("network fee must be between 0 and the fee");
        }
        long net = grossBaseUnits - feeBaseUnits;
        long service = feeBaseUnits - networkFeeBaseUnits;
        List<Posting> legs = new ArrayList<>(6);
        legs.add(new Posting(LedgerAccount.userHeld(accountId), -grossBaseUnits));
        legs.add(new Posting(LedgerAccount.integratorPayouts(integratorId), net));
        if (service > 0) legs.add(new Posting(LedgerAccount.feeRevenue(), service));
        if (networkFeeBaseUnits > 0) legs.add(new Posting(LedgerAccount.networkFeePool(), networkFeeBaseUnits));
        legs.addAll(obligationMet(integratorId, accountId, grossBaseUnits));
        return new JournalEntry(EntryKind.SETTLE, integratorId, cashoutId, legs);
    }

    /** A released hold (FAILED or REJECTED): held back to available. */
    public static JournalEntry release(String integratorId, String accountId, long grossBaseUnits, String cashoutId) {
        positive(grossBaseUnits, "gross");
        List<Posting> legs = new ArrayList<>(4);
        legs.add(new Posting(LedgerAccount.userHeld(accountId), -grossBaseUnits));
        legs.add(new Posting(LedgerAccount.userAvailable(accountId), grossBaseUnits));
        legs.addAll(obligationMet(integratorId, accountId, grossBaseUnits));
        return new JournalEntry(EntryKind.RELEASE, integratorId, cashoutId, legs);
    }

    /** The integrator's obligation for a cash-out ends (settled on chain, or released). */
    private static List<Posting> obligationMet(String integratorId, String accountId, long grossBaseUnits) {
        int stripe = LedgerAccount.stripeOf(accountId);
        return List.of(
                new Posting(LedgerAccount.integratorObligations(integratorId, stripe), -grossBaseUnits),
                new Posting(LedgerAccount.integratorEscrowCommitted(integratorId, stripe), grossBaseUnits));
    }

    private static void positive(long v, String what) {
        if (v <= 0) throw new IllegalArgumentException(what + " must be positive");
    }
}
