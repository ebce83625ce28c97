package io.microsettle.account;

/** How far a user has been verified; NONE until a verification token is accepted. */
public enum VerificationLevel { NONE, BASIC, FULL }
