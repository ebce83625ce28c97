package io.microsettle.settlement;

/** What a stored transaction does: a batch's settleBatch call, or a no-op (0-value transfer to itself) that fills its nonce. */
public enum TxKind { SETTLE, CANCEL }
