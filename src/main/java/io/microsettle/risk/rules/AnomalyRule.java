package io.microsettle.risk.rules;

import java.util.Optional;

/**
 * One anomaly rule: a pure predicate over the facts, with a fixed reason code. A rule that
 * fires returns the evidence it used; the engine holds the cash-out if any rule fires.
 */
public interface AnomalyRule {

    HoldReason reason();

    Optional<HoldFinding> evaluate(AnomalyContext context, AnomalyThresholds thresholds);
}
