package io.microsettle.cashout;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import static io.microsettle.cashout.CashoutStatus.*;

/**
 * The cash-out state machine (plain Java):
 * REQUESTED → QUEUED | HELD | REJECTED; HELD → QUEUED | REJECTED; QUEUED → BATCHED;
 * BATCHED → SUBMITTED | QUEUED (batch abandoned before broadcast) | CONFIRMED (its transaction mined
 * before the broadcast was recorded, e.g. across a crash); SUBMITTED → QUEUED (its transaction can
 * never be mined: its nonce was filled by a final no-op or used outside the service); SUBMITTED → SUBMITTED
 * (replacement) | CONFIRMED | FAILED; CONFIRMED → SETTLED | SUBMITTED (reorg);
 * SETTLED → SUBMITTED (reorg). REJECTED and FAILED are final.
 */
public final class CashoutTransitions {
    private static final Map<CashoutStatus, Set<CashoutStatus>> ALLOWED = new EnumMap<>(CashoutStatus.class);

    static {
        ALLOWED.put(REQUESTED, EnumSet.of(QUEUED, HELD, REJECTED));
        ALLOWED.put(HELD, EnumSet.of(QUEUED, REJECTED));
        ALLOWED.put(QUEUED, EnumSet.of(BATCHED));
        ALLOWED.put(BATCHED, EnumSet.of(SUBMITTED, QUEUED, CONFIRMED));
        ALLOWED.put(SUBMITTED, EnumSet.of(SUBMITTED, CONFIRMED, FAILED, QUEUED));
        ALLOWED.put(CONFIRMED, EnumSet.of(SETTLED, SUBMITTED));
        ALLOWED.put(SETTLED, EnumSet.of(SUBMITTED));
        ALLOWED.put(REJECTED, EnumSet.noneOf(CashoutStatus.class));
        ALLOWED.put(FAILED, EnumSet.noneOf(CashoutStatus.class));
    }

    private CashoutTransitions() {}

    public static boolean allowed(CashoutStatus from, CashoutStatus to) {
        return from != null && to != null && ALLOWED.get(from).contains(to);
    }

    public static void check(CashoutStatus from, CashoutStatus to) {
        if (!allowed(from, to)) throw new IllegalStateException("cash-out transition " + from + " -> " + to + " is not allowed");
    }

    /** Statuses from which no transition leads anywhere. */
    public static boolean isFinal(CashoutStatus s) {
        return ALLOWED.get(s).isEmpty();
    }
}
