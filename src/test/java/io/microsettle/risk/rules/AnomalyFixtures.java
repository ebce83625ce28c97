package io.microsettle.risk.rules;

import java.util.List;
import java.util.Set;

final class AnomalyFixtures {
    private AnomalyFixtures() {}

    static final long HOUR = 3_600_000L;
    static final long NOW = 1_750_000_000_000L;
    static final String DEST = "0x00000000000000000000000000000000000000aA";
    static final String DENIED = "0xDeaDbeefdEAdbeefdEadbEEFdeadbeEFdEaDbeeF";

    /**
     * New wallet: under 1 h, large: >= 1000 TUSD; history: > 5x P90 with >= 5 past and >= 100 TUSD;
     * shared: >= 3 accounts in 24 h; burst: credits in 10 min >= 80 % of a gross >= 50 TUSD.
     */
    static AnomalyThresholds thresholds() {
        return new AnomalyThresholds(HOUR, 1_000_000_000L, HistoryReference.P90, 500, 5, 100_000_000L,
                3, 24 * HOUR, 8_000, 10 * 60_000L, 50_000_000L, Set.of(DENIED));
    }

    /** A context no rule fires on: old wallet, modest amount, no history, lone destination, no fresh credits. */
    static AnomalyContext quiet() {
        return new AnomalyContext("acct_1", 200_000_000L, DEST, NOW, NOW - 30 * 24 * HOUR, List.of(), 0, 0);
    }

    static AnomalyContext with(long amount, long walletAgeMillis, List<Long> history, int others, long credited) {
        return new AnomalyContext("acct_1", amount, DEST, NOW, NOW - walletAgeMillis, history, others, credited);
    }

    static AnomalyContext to(String destination) {
        return new AnomalyContext("acct_1", 200_000_000L, destination, NOW, NOW - 30 * 24 * HOUR, List.of(), 0, 0);
    }
}
