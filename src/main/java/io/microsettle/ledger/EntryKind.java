package io.microsettle.ledger;

public enum EntryKind { CREDIT, HOLD, SETTLE, RELEASE }
