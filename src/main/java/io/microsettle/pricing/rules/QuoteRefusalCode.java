package io.microsettle.pricing.rules;

/** Machine-readable refusal codes of pricing (the API's problem {@code code}). */
public enum QuoteRefusalCode {
    /** Gross is zero or negative. */
    INVALID_AMOUNT("invalid_amount"),
    /** The level has no fee schedule (NONE): verify first. */
    VERIFICATION_REQUIRED("verification_required"),
    /** After fees the net would be below the minimum payout. */
    AMOUNT_TOO_SMALL("amount_too_small");

    private final String code;

    QuoteRefusalCode(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
