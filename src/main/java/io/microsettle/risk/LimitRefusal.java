package io.microsettle.risk;

import io.microsettle.infra.ApiException;
import io.microsettle.risk.rules.LimitOutcome;

/**
 * A 422 {@code limit_exceeded} / {@code verification_required} that also names, as problem
 * members, the limit, its value, the headroom left under it and the largest gross that would
 * pass every limit now.
 */
public class LimitRefusal extends ApiException {
    private final LimitOutcome.Refused refused;

    public LimitRefusal(LimitOutcome.Refused refused) {
        super(422, refused.code().code(), refused.detail());
        this.refused = refused;
    }

    public LimitOutcome.Refused refused() {
        return refused;
    }
}
