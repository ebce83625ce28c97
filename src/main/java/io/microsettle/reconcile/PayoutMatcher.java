package io.microsettle.reconcile;

import io.microsettle.chain.EscrowEvents;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/** Compares a PayoutSettled log with the local cash-out that carries its payout id. */
public final class PayoutMatcher {
    private PayoutMatcher() {}

    /** What we sent for that payout id. */
    public record Expected(String cashoutId, long payoutId, long chainBatchId, String payee,
                           long netBaseUnits, long feeBaseUnits) {}

    public enum Kind { UNKNOWN_PAYOUT, BATCH_MISMATCH, PAYEE_MISMATCH, AMOUNT_MISMATCH, FEE_MISMATCH }

    public record Mismatch(Kind kind, String detail) {}

    /** Empty when the log matches; otherwise every difference found. */
    public static List<Mismatch> compare(EscrowEvents.PayoutSettled log, Expected expected) {
        List<Mismatch> out = new ArrayList<>();
        if (expected == null) {
            out.add(new Mismatch(Kind.UNKNOWN_PAYOUT, "no local cash-out has payout id " + log.payoutId()));
            return out;
        }
        if (!log.batchId().equals(BigInteger.valueOf(expected.chainBatchId())))
            out.add(new Mismatch(Kind.BATCH_MISMATCH, "batch " + log.batchId() + " on chain, " + expected.chainBatchId() + " local"));
        if (expected.payee() == null || !log.payee().equalsIgnoreCase(expected.payee()))
            out.add(new Mismatch(Kind.PAYEE_MISMATCH, "payee " + log.payee() + " on chain, " + expected.payee() + " local"));
        if (!log.netAmount().equals(BigInteger.valueOf(expected.netBaseUnits())))
            out.add(new Mismatch(Kind.AMOUNT_MISMATCH, "net " + log.netAmount() + " on chain, " + expected.netBaseUnits() + " local"));
        if (!log.feeAmount().equals(BigInteger.valueOf(expected.feeBaseUnits())))
            out.add(new Mismatch(Kind.FEE_MISMATCH, "fee " + log.feeAmount() + " on chain, " + expected.feeBaseUnits() + " local"));
        return out;
    }
}
