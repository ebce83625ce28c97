package io.microsettle.risk.rules;

/** Why a cash-out is held for review (the review queue's reason codes). */
public enum HoldReason {
    NEW_WALLET_LARGE_AMOUNT("new_wallet_large_amount"),
    AMOUNT_ABOVE_HISTORY("amount_above_history"),
    SHARED_DESTINATION("shared_destination"),
    CREDIT_BURST_CASHOUT("credit_burst_cashout"),
    DENIED_DESTINATION("denied_destination");

    private final String code;

    HoldReason(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
