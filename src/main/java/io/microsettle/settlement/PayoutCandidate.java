package io.microsettle.settlement;

/** A QUEUED cash-out as the batcher sees it. Amounts in token base units. */
public record PayoutCandidate(String cashoutId, String integratorId, String accountId, String payee,
                              long grossBaseUnits, long netBaseUnits, long feeBaseUnits) {
}
