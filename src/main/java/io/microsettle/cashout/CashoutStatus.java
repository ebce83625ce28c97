package io.microsettle.cashout;

/** Lifecycle of a cash-out; REQUESTED is internal, the API shows the others. */
public enum CashoutStatus {
    REQUESTED, QUEUED, HELD, REJECTED, BATCHED, SUBMITTED, CONFIRMED, SETTLED, FAILED
}
