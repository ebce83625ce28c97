package io.microsettle.risk.rules;

import java.util.List;

/** Result of {@link AnomalyEngine#evaluate}: queue the cash-out, or hold it for review. */
public sealed interface AnomalyVerdict permits AnomalyVerdict.Pass, AnomalyVerdict.Hold {

    record Pass() implements AnomalyVerdict {}

    /** Held; findings in rule order, one per rule that fired, never empty. */
    record Hold(List<HoldFinding> findings) implements AnomalyVerdict {
        public Hold {
            findings = List.copyOf(findings);
            if (findings.isEmpty()) {
                throw new IllegalArgumentException("a hold needs at least one finding");
            }
        }

        public List<HoldReason> reasons() {
            return findings.stream().map(HoldFinding::reason).toList();
        }
    }
}
