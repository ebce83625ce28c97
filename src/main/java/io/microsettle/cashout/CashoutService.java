package io.microsettle.cashout;

import io.microsettle.account.Account;
import io.microsettle.audit.AuditLog;
import io.microsettle.ledger.EscrowFunding;
import io.microsettle.ledger.LedgerService;
import io.microsettle.infra.ApiException;
import io.microsettle.infra.Ids;
import io.microsettle.infra.KeysetCursor;
import io.microsettle.pricing.CashoutTypedData;
import io.microsettle.pricing.Quote;
import io.microsettle.risk.ReviewService;
import io.microsettle.risk.RiskService;
import io.microsettle.risk.rules.AnomalyVerdict;
import io.quarkus.panache.common.Parameters;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@ApplicationScoped
public class CashoutService {
    /** A page of cash-outs, newest first, and the cursor of the next page (null at the end). */
    public record Page(List<Cashout> data, String nextCursor) {}

    @Inject
    LedgerService ledger;
    @Inject
    AuditLog audit;
    @Inject
    RiskService risk;
    @Inject
    EscrowFunding funding;
    @Inject
    ReviewService reviews;

    /**
     * Requests the cash-out a quote describes: the signature must recover to the account's
     * verified wallet; the quote must be unused and unexpired. Marks the quote used, holds the
     * gross, queues the cash-out and appends its audit event, all in one transaction.
     */
    @Transactional
    public Cashout request(String integratorId, String actor, String quoteId, String signature) {
        Quote quote = Quote.findOwned(integratorId, quoteId).orElseThrow(() -> ApiException.notFound("quote " + quoteId));
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        if (quote.usedAt != null) throw ApiException.conflict("quote_used", "the quote has already been used");
        if (!now.isBefore(quote.expiresAt)) throw ApiException.unprocessable("quote_expired", "the quote expired at " + quote.expiresAt);
        Account account = Account.findById(quote.accountId);
        if (account.wallet == null) {
            throw ApiException.unprocessable("verification_required", "the account has no verified wallet");
        }
        byte[] digest = CashoutTypedData.digest(quote.typedData());
        String signer = switch (Eip712Signatures.recover(digest, signature)) {
            case Eip712Signatures.Invalid i -> throw ApiException.unprocessable("bad_signature", i.reason());
            case Eip712Signatures.Recovered r -> r.address();
        };
        if (!signer.equals(account.wallet)) {
            throw ApiException.unprocessable("bad_signature", "the signature is not by the account's verified wallet");
        }
        // Limits refuse (422, nothing written); anomaly rules hold the cash-out for review.
        RiskService.Assessment assessment = risk.assess(account, quote.grossBaseUnits, quote.destination, now);
        AnomalyVerdict verdict = assessment.verdict();
        if (!Quote.markUsed(quote.id, now)) throw ApiException.conflict("quote_used", "the quote has already been used");

        Cashout c = new Cashout();
        c.id = Ids.newId("co");
        c.integratorId = integratorId;
        c.accountId = quote.accountId;
        c.quoteId = quote.id;
        c.status = CashoutStatus.REQUESTED;
        c.grossBaseUnits = quote.grossBaseUnits;
        c.feeBaseUnits = quote.feeBaseUnits;
        c.netBaseUnits = quote.netBaseUnits;
        c.destination = quote.destination;
        c.wallet = signer;
        c.signature = signature.startsWith("0x") ? signature.toLowerCase() : "0x" + signature.toLowerCase();
        c.createdAt = now;
        c.updatedAt = now;
        ledger.hold(c.accountId, c.grossBaseUnits, c.id);
        AnomalyVerdict.Hold hold = verdict instanceof AnomalyVerdict.Hold h ? h : null;
        c.transition(hold == null ? CashoutStatus.QUEUED : CashoutStatus.HELD, now);
        if (hold != null) c.reason = ReviewService.reasonCodes(hold);
        c.persistAndFlush();
        if (hold != null) reviews.open(c, hold, now);
        // The integrator's escrow deposit must cover its unsettled obligations, this one included
        // (checked late so the per-integrator lock it takes is held only to the commit).
        funding.require(integratorId, actor, c.grossBaseUnits);
        risk.recheckIntegratorVolume(assessment, integratorId);
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("accountId", c.accountId);
        payload.put("quoteId", c.quoteId);
        payload.put("grossBaseUnits", Long.toString(c.grossBaseUnits));
        payload.put("feeBaseUnits", Long.toString(c.feeBaseUnits));
        payload.put("netBaseUnits", Long.toString(c.netBaseUnits));
        payload.put("destination", c.destination);
        payload.put("wallet", c.wallet);
        payload.put("signature", c.signature);
        payload.put("status", c.status);
        if (hold != null) payload.put("holdFindings", ReviewService.findings(hold));
        audit.append(actor, hold == null ? "cashout.queued" : "cashout.held", c.id, payload);
        return c;
    }

    @Transactional
    public Cashout get(String integratorId, String id) {
        return Cashout.findOwned(integratorId, id).orElseThrow(() -> ApiException.notFound("cash-out " + id));
    }

    /** The integrator's cash-outs, newest first, filtered, keyset-paginated. */
    @Transactional
    public Page list(String integratorId, String accountId, CashoutStatus status, int limit, String cursor) {
        StringBuilder q = new StringBuilder("integratorId = :integrator");
        Parameters p = Parameters.with("integrator", integratorId);
        if (accountId != null) {
            q.append(" and accountId = :account");
            p.and("account", accountId);
        }
        if (status != null) {
            q.append(" and status = :status");
            p.and("status", status);
        }
        if (cursor != null) {
            KeysetCursor c = KeysetCursor.decode(cursor);
            q.append(" and (createdAt < :t or (createdAt = :t and id < :id))");
            p.and("t", c.createdAt()).and("id", c.id());
        }
        q.append(" order by createdAt desc, id desc");
        List<Cashout> rows = Cashout.<Cashout>find(q.toString(), p).page(0, limit + 1).list();
        String next = null;
        if (rows.size() > limit) {
            rows = rows.subList(0, limit);
            Cashout last = rows.getLast();
            next = new KeysetCursor(last.createdAt, last.id).encode();
        }
        return new Page(rows, next);
    }
}
