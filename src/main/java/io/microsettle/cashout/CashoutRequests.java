package io.microsettle.cashout;

import io.agroal.api.AgroalDataSource;
import io.microsettle.account.VerificationLevel;
import io.microsettle.infra.ApiException;
import io.microsettle.infra.Db;
import io.microsettle.infra.Ids;
import io.microsettle.infra.WriteTransaction;
import io.microsettle.ledger.EscrowFunding;
import io.microsettle.ledger.LedgerService;
import io.microsettle.pricing.QuoteRedemptions;
import io.microsettle.risk.ReviewService;
import io.microsettle.risk.RiskService;
import io.microsettle.risk.rules.AnomalyVerdict;
import io.microsettle.security.IdempotentResponse;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The write transaction of a cash-out request, in the documented lock order: the request's {@code Idempotency-Key}
 * claimed (a new row, no lock another request holds), the account's row,
 * the quote's row; the writes that no one else waits for (the cash-out, its review, its audit events, and the
 * response stored in the request's own key row, so that a retry after the commit replays it whatever happens next);
 * last the ledger balance rows (in key order) and the escrow alert mark, held only to the commit.
 */
@ApplicationScoped
public class CashoutRequests {
    /** What the request established before its transaction. */
    public record Prepared(QuoteRedemptions.Redeemable quote, String signer, String signature, String actor, Instant now) {}

    @Inject
    AgroalDataSource ds;
    @Inject
    QuoteRedemptions quotes;
    @Inject
    RiskService risk;
    @Inject
    LedgerService ledger;
    @Inject
    EscrowFunding funding;
    @Inject
    ReviewService reviews;
    @Inject
    CashoutStore store;
    @Inject
    IdempotentResponse response;

    private record LockedAccount(String wallet, VerificationLevel level, Instant verifiedAt, Instant createdAt) {}

    @WriteTransaction
    public Cashout write(Prepared p, RiskService.VolumeReservation volume, EscrowFunding.Reservation escrow) {
        QuoteRedemptions.Redeemable q = p.quote();
        // first, before any lock: a second request with the key waits here holding nothing
        response.claimInTransaction();
        LockedAccount a = Db.one(ds, "SELECT wallet, verification_level, verified_at, created_at FROM accounts WHERE id = ? "
                        + "FOR NO KEY UPDATE", rs -> new LockedAccount(rs.getString(1), VerificationLevel.valueOf(rs.getString(2)),
                        Db.instant(rs, 3), Db.instant(rs, 4)), q.accountId())
                .orElseThrow(() -> ApiException.notFound("quote " + q.quoteId()));
        if (!p.signer().equals(a.wallet())) {
            // the wallet was rebound after the signature was checked
            throw ApiException.unprocessable("bad_signature", "the signature is not by the account's verified wallet");
        }
        AnomalyVerdict verdict = risk.assess(new RiskService.Subject(q.accountId(), q.integratorId(), a.level(), a.verifiedAt(),
                a.createdAt()), q.grossBaseUnits(), q.destination(), p.now(), volume);
        if (!quotes.markUsed(q.quoteId(), p.now())) throw ApiException.conflict("quote_used", "the quote has already been used");
        String id = Ids.newId("co");
        AnomalyVerdict.Hold hold = verdict instanceof AnomalyVerdict.Hold h ? h : null;
        CashoutStatus status = hold == null ? CashoutStatus.QUEUED : CashoutStatus.HELD;
        String reason = hold == null ? null : ReviewService.reasonCodes(hold);
        CashoutStore.NewCashout c = new CashoutStore.NewCashout(id, q.integratorId(), q.accountId(), q.quoteId(), q.grossBaseUnits(),
                q.feeBaseUnits(), q.netBaseUnits(), q.destination(), p.signer(), p.signature(), p.now());
        store.insert(c, status, reason, p.actor(), payload(c, status, hold));
        if (hold != null) reviews.open(id, q.integratorId(), hold, p.now());
        Cashout created = view(c, status, reason);
        // the request's own idempotency key row (its claim inserted it; no other transaction waits for it), in the commit
        response.storeInTransaction(201, () -> CashoutResource.view(created));
        // Last: the balance rows include the integrator's stripe rows, which other accounts' cash-outs,
        // credits and settlements share; taken here, they are held only for the hold, the alert mark and the commit.
        ledger.hold(q.integratorId(), q.accountId(), q.grossBaseUnits(), id);
        funding.alertOnLowHeadroom(q.integratorId(), p.actor(), escrow);
        return created;
    }

    private static Map<String, Object> payload(CashoutStore.NewCashout c, CashoutStatus status, AnomalyVerdict.Hold hold) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("accountId", c.accountId());
        payload.put("quoteId", c.quoteId());
        payload.put("grossBaseUnits", Long.toString(c.grossBaseUnits()));
        payload.put("feeBaseUnits", Long.toString(c.feeBaseUnits()));
        payload.put("netBaseUnits", Long.toString(c.netBaseUnits()));
        payload.put("destination", c.destination());
        payload.put("wallet", c.wallet());
        payload.put("signature", c.signature());
        payload.put("status", status);
        if (hold != null) payload.put("holdFindings", ReviewService.findings(hold));
        return payload;
    }

    /** The cash-out as written (not a managed entity: the response is built from it). */
    private static Cashout view(CashoutStore.NewCashout n, CashoutStatus status, String reason) {
        Cashout c = new Cashout();
        c.id = n.id();
        c.integratorId = n.integratorId();
        c.accountId = n.accountId();
        c.quoteId = n.quoteId();
        c.status = status;
        c.grossBaseUnits = n.grossBaseUnits();
        c.feeBaseUnits = n.feeBaseUnits();
        c.netBaseUnits = n.netBaseUnits();
        c.destination = n.destination();
        c.wallet = n.wallet();
        c.signature = n.signature();
        c.reason = reason;
        c.createdAt = n.createdAt();
        c.updatedAt = n.createdAt();
        return c;
    }
}
