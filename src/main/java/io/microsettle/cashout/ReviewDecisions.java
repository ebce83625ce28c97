package io.microsettle.cashout;

import io.microsettle.infra.ApiException;
import io.microsettle.infra.WriteTransaction;
import io.microsettle.risk.ReviewService;
import io.microsettle.security.IdempotentResponse;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An operator's decision on a held cash-out: approved (HELD → QUEUED) or rejected (HELD → REJECTED,
 * the hold released), recorded in the review queue and audited with the reviewer as the actor, in
 * one transaction (locks: the cash-out, then its review, then the ledger balances).
 */
@ApplicationScoped
public class ReviewDecisions {
    @Inject
    CashoutStore store;
    @Inject
    ReviewService reviews;
    @Inject
    IdempotentResponse response;

    @WriteTransaction
    public ReviewService.Review decide(String cashoutId, boolean approve, String actor, String note) {
        response.claimInTransaction();
        CashoutStore.Locked c = store.lock(cashoutId).orElseThrow(() -> ApiException.notFound("review " + cashoutId));
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        if (c.status() != CashoutStatus.HELD) {
            ReviewService.Review r = reviews.get(cashoutId);
            throw ApiException.conflict("review_decided", "the cash-out was already " + (r.decision() == null
                    ? "moved to " + c.status() : r.decision().toLowerCase() + " by " + r.decidedBy()));
        }
        ReviewService.Review r = reviews.recordDecision(cashoutId, approve, actor, note, now);
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("decision", approve ? "APPROVED" : "REJECTED");
        payload.put("reviewer", actor);
        payload.put("reasons", r.reasons());
        payload.put("status", approve ? CashoutStatus.QUEUED : CashoutStatus.REJECTED);
        if (!approve) payload.put("reason", "rejected_in_review");
        if (note != null) payload.put("note", note);
        payload.put("accountId", c.accountId());
        payload.put("grossBaseUnits", Long.toString(c.grossBaseUnits()));
        store.decideReview(c, approve, actor, payload);
        ReviewService.Review decided = reviews.get(cashoutId);
        response.storeInTransaction(200, () -> ReviewResource.view(decided));
        return decided;
    }
}
