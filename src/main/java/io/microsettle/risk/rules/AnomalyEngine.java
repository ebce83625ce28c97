package io.microsettle.risk.rules;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Runs every rule (no short-circuit, so the reviewer sees all reasons) in a fixed order and
 * holds the cash-out if any fires.
 */
public final class AnomalyEngine {

    public static final int MAX_RULES = 32;

    private final AnomalyThresholds thresholds;
    private final List<AnomalyRule> rules;

    public AnomalyEngine(AnomalyThresholds thresholds, List<AnomalyRule> rules) {
        this.thresholds = Objects.requireNonNull(thresholds, "thresholds");
        this.rules = List.copyOf(rules);
        if (this.rules.size() > MAX_RULES) {
            throw new IllegalArgumentException("at most " + MAX_RULES + " rules, was " + this.rules.size());
        }
        EnumSet<HoldReason> seen = EnumSet.noneOf(HoldReason.class);
        for (AnomalyRule r : this.rules) {
            if (!seen.add(Objects.requireNonNull(r.reason(), "rule reason"))) {
                throw new IllegalArgumentException("two rules with reason " + r.reason());
            }
        }
    }

    /** The five standard rules, in reason-code declaration order. */
    public static List<AnomalyRule> standardRules() {
        return List.of(new NewWalletLargeAmountRule(), new AmountAboveHistoryRule(), new SharedDestinationRule(),
                new CreditBurstCashoutRule(), new DeniedDestinationRule());
    }

    public static AnomalyEngine standard(AnomalyThresholds thresholds) {
        return new AnomalyEngine(thresholds, standardRules());
    }

    public AnomalyThresholds thresholds() {
        return thresholds;
    }

    public List<AnomalyRule> rules() {
        return rules;
    }

    public AnomalyVerdict evaluate(AnomalyContext context) {
        Objects.requireNonNull(context, "context");
        List<HoldFinding> findings = new ArrayList<>();
        for (AnomalyRule rule : rules) {
            Optional<HoldFinding> f = rule.evaluate(context, thresholds);
            if (f.isPresent()) {
                if (f.get().reason() != rule.reason()) {
                    throw new IllegalStateException("rule " + rule.reason() + " reported " + f.get().reason());
                }
                findings.add(f.get());
            }
        }
        return findings.isEmpty() ? new AnomalyVerdict.Pass() : new AnomalyVerdict.Hold(findings);
    }
}
