package io.microsettle.risk.rules;

/** Which statistic of an account's past cash-outs {@code amount_above_history} compares against. */
public enum HistoryReference {
    /** 90th percentile, nearest-rank: the value at rank ceil(0.9 n) of the sorted amounts. */
    P90,
    /** The largest past cash-out. */
    MAX
}
