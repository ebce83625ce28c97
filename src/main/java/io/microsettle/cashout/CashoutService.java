package io.microsettle.cashout;

import io.microsettle.infra.ApiException;
import io.microsettle.infra.CrashPoints;
import io.microsettle.infra.KeysetCursor;
import io.microsettle.infra.TransactionRetry;
import io.microsettle.ledger.EscrowFunding;
import io.microsettle.pricing.QuoteRedemptions;
import io.microsettle.risk.RiskService;
import io.quarkus.panache.common.Parameters;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;

/**
 * Cash-out requests and reads. A request does its slow and network-bound work before it takes any
 * lock: it reads the quote with its account, recovers the wallet's signature (the request's main CPU
 * cost), and reserves its share of the integrator's daily volume and escrow headroom (reading the
 * chain, cached); then one short transaction ({@link CashoutRequests}) decides and writes.
 */
@ApplicationScoped
public class CashoutService {
    /** A page of cash-outs, newest first, and the cursor of the next page (null at the end). */
    public record Page(List<Cashout> data, String nextCursor) {}

    @Inject
    QuoteRedemptions quotes;
    @Inject
    RiskService risk;
    @Inject
    EscrowFunding funding;
    @Inject
    CashoutRequests requests;
    @Inject
    AccountTurns turns;

    /**
     * Requests the cash-out a quote describes: the signature must recover to the account's
     * verified wallet; the quote must be unused and unexpired. Marks the quote used, holds the
     * gross, queues (or holds for review) the cash-out and appends its audit event, in one transaction.
     */
    public Cashout request(String integratorId, String actor, String quoteId, String signature) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        QuoteRedemptions.Redeemable q = quotes.find(integratorId, quoteId).orElseThrow(() -> ApiException.notFound("quote " + quoteId));
        if (q.usedAt() != null) throw ApiException.conflict("quote_used", "the quote has already been used");
        if (!now.isBefore(q.expiresAt())) throw ApiException.unprocessable("quote_expired", "the quote expired at " + q.expiresAt());
        if (q.wallet() == null) throw ApiException.unprocessable("verification_required", "the account has no verified wallet");
        String signer = switch (Eip712Signatures.recover(q.digest(), signature)) {
            case Eip712Signatures.Invalid i -> throw ApiException.unprocessable("bad_signature", i.reason());
            case Eip712Signatures.Recovered r -> r.address();
        };
        if (!signer.equals(q.wallet())) {
            throw ApiException.unprocessable("bad_signature", "the signature is not by the account's verified wallet");
        }
        // what the limits refuse whatever else happens: before any capacity is reserved for it
        risk.checkAtQuote(q.level(), q.grossBaseUnits());
        String normalized = (signature.startsWith("0x") ? signature : "0x" + signature).toLowerCase(Locale.ROOT);
        CashoutRequests.Prepared p = new CashoutRequests.Prepared(q, signer, normalized, actor, now);
        RiskService.VolumeReservation volume = risk.reserveVolume(integratorId, q.level(), q.grossBaseUnits(), now);
        EscrowFunding.Reservation escrow = null;
        try {
            escrow = funding.reserve(integratorId, q.grossBaseUnits());
            EscrowFunding.Reservation reserved = escrow;
            Cashout c = turns.inTurn(q.accountId(), () -> requests.write(p, volume, reserved));
            // a fault test dies here: committed (the response stored with it), not yet answered
            CrashPoints.reach("cashout.after-commit");
            volume.commit();
            escrow.commit();
            return c;
        } catch (RuntimeException e) {
            release(e, volume, escrow);
            throw e;
        }
    }

    /**
     * A refusal or a conflict rolled the transaction back: the reserved amounts are free again. Any
     * other failure may have happened after the commit: keep them counted (the next reservation
     * reads the committed usage again), erring towards refusing.
     */
    private static void release(RuntimeException e, RiskService.VolumeReservation volume, EscrowFunding.Reservation escrow) {
        boolean rolledBack = e instanceof ApiException || TransactionRetry.isRetryable(e);
        if (rolledBack) {
            volume.giveBack();
            if (escrow != null) escrow.giveBack();
        } else {
            volume.commit();
            if (escrow != null) escrow.commit();
        }
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
