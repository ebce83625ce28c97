package io.microsettle.account;

/** How far a user has been verified; NONE until a verification token is accepted. */
public enum VerificationLevel {
    NONE, BASIC, FULL;

    /** The levels that fee schedules and limits are configured for, as a refusal names them. */
    public static final String CONFIGURABLE = "a verification level (BASIC, FULL)";
}
