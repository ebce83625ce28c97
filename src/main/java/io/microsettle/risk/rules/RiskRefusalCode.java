package io.microsettle.risk.rules;

/** Machine-readable refusal codes of the limit checks (the API's problem {@code code}). */
public enum RiskRefusalCode {
    LIMIT_EXCEEDED("limit_exceeded"),
    VERIFICATION_REQUIRED("verification_required");

    private final String code;

    RiskRefusalCode(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
