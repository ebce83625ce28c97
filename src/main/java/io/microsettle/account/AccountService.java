package io.microsettle.account;

import io.microsettle.infra.Addresses;
import io.microsettle.audit.AuditLog;
import io.microsettle.infra.ApiException;
import io.microsettle.infra.Ids;
import io.microsettle.ledger.LedgerService;
import io.microsettle.security.IdempotentResponse;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import io.microsettle.infra.Db;
import io.microsettle.infra.Transactions;
import io.microsettle.infra.WriteTransaction;
import jakarta.transaction.Transactional;
import org.hibernate.exception.ConstraintViolationException;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@ApplicationScoped
public class AccountService {
    /** Retry-After of 503 verification_unavailable (no trusted verifier key source could be read yet). */
    static final long VERIFICATION_RETRY_AFTER_SECONDS = 30;

    @Inject
    AuditLog audit;
    @Inject
    AccountConfig config;
    @Inject
    io.agroal.api.AgroalDataSource ds;
    @Inject
    LedgerService ledger;
    @Inject
    IdempotentResponse response;

    private record CachedVerifier(VerificationTokens tokens, List<String> docs) {}

    private volatile CachedVerifier verifier;
    private volatile VerifierKeys keys;

    /**
     * Creates an account; an externalRef the integrator already uses is refused with
     * 409 {@code account_exists} naming the existing id (Stripe-like: creation is not an upsert;
     * retries are safe through Idempotency-Key).
     */
    @WriteTransaction
    public Account create(String integratorId, String actor, String externalRef) {
        response.claimInTransaction();
        Account.findByExternalRef(integratorId, externalRef).ifPresent(a -> {
            throw ApiException.conflict("account_exists", "an account with this externalRef exists: " + a.id);
        });
        Account a = new Account();
        a.id = Ids.newId("acct");
        a.integratorId = integratorId;
        a.externalRef = externalRef;
        a.verificationLevel = VerificationLevel.NONE;
        a.createdAt = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        a.updatedAt = a.createdAt;
        try {
            a.persistAndFlush();
        } catch (ConstraintViolationException e) {
            throw ApiException.conflict("account_exists", "an account with this externalRef exists");
        }
        audit.append(actor, "account.created", a.id, Map.of("integratorId", integratorId, "externalRef", externalRef));
        storeResponse(201, a);
        return a;
    }

    /** The request's Idempotency-Key response, the account as the API shows it, in the change's transaction. */
    private void storeResponse(int status, Account a) {
        response.storeInTransaction(status, () -> AccountResource.view(a, ledger.balances(a.id)));
    }

    @Transactional
    public Account get(String integratorId, String id) {
        return Account.findOwned(integratorId, id).orElseThrow(() -> ApiException.notFound("account " + id));
    }

    /** Checks the verifier's token and binds the wallet and level; refusals write nothing. */
    public Account verify(String integratorId, String actor, String id, String token) {
        return verify(integratorId, actor, id, token, false);
    }

    /**
     * As above; a token naming another wallet than the one bound is refused with 409
     * {@code wallet_rebind_required} unless {@code rebindWallet} is set, and then audited as
     * {@code account.wallet_rebound} with the old and the new wallet. Cash-outs already requested
     * keep the wallet they were signed by. The token is checked (the verifier's keys may be read
     * from a URL) before the short transaction that binds the account.
     */
    public Account verify(String integratorId, String actor, String id, String token, boolean rebindWallet) {
        String externalRef = Transactions.write("account.read", () -> get(integratorId, id).externalRef);
        VerificationTokens.Verified v = switch (check(token, externalRef)) {
            case VerificationTokens.Refused r -> throw new ApiException(
                    r.code() == VerificationTokens.Code.malformed_token ? 400 : 422, r.code().name(), r.detail());
            case VerificationTokens.Verified verified -> verified;
        };
        String wallet = Addresses.normalize(v.wallet(), "token.wallet");
        return Transactions.write("account.verify", () -> {
            response.claimInTransaction();
            Account a = bind(integratorId, actor, id, v, wallet, rebindWallet);
            storeResponse(200, a);
            return a;
        });
    }

    private Account bind(String integratorId, String actor, String id, VerificationTokens.Verified v, String wallet, boolean rebindWallet) {
        // the account row first (the lock order), as a cash-out request locks it
        Db.query(ds, "SELECT 1 FROM accounts WHERE id = ? FOR NO KEY UPDATE", rs -> 1, id);
        Account a = Account.findOwned(integratorId, id).orElseThrow(() -> ApiException.notFound("account " + id));
        String previous = a.wallet;
        boolean rebound = previous != null && !previous.equals(wallet);
        if (rebound && !rebindWallet) {
            throw ApiException.conflict("wallet_rebind_required", "the account is bound to " + previous
                    + "; binding " + wallet + " instead needs \"rebindWallet\": true");
        }
        a.wallet = wallet;
        a.verificationLevel = v.level();
        a.verifierIssuer = v.issuer();
        a.verifiedAt = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        a.updatedAt = a.verifiedAt;
        a.persistAndFlush();
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("wallet", wallet);
        payload.put("previousWallet", previous);
        payload.put("level", v.level());
        payload.put("issuer", v.issuer());
        payload.put("kid", v.kid());
        audit.append(actor, rebound ? "account.wallet_rebound" : "account.verified", a.id, payload);
        return a;
    }

    /** The verifier's keys, cached (microsettle.account.verifier-jwks-refresh-seconds). */
    private VerifierKeys keys() {
        VerifierKeys k = keys;
        if (k == null) {
            synchronized (this) {
                if (keys == null) {
                    List<String> sources = config.verifierJwks().orElseThrow(() -> ApiException.unprocessable(
                            "verification_unavailable", "no trusted verifier is configured (microsettle.account.verifier-jwks)"));
                    keys = VerifierKeys.of(sources, Duration.ofSeconds(config.verifierJwksRefreshSeconds()),
                            Duration.ofSeconds(config.verifierJwksMinRefetchSeconds()));
                }
                k = keys;
            }
        }
        return k;
    }

    /** Checks a token; an unknown kid reloads the JWKS once (rate-limited) before it is refused. */
    private VerificationTokens.Outcome check(String token, String subject) {
        VerifierKeys k = keys();
        try {
            VerificationTokens.Outcome o = tokens(k.documents()).check(token, subject, Instant.now());
            if (o instanceof VerificationTokens.Refused r && r.code() == VerificationTokens.Code.unknown_verifier_key
                    && k.refreshForUnknownKid()) {
                o = tokens(k.documents()).check(token, subject, Instant.now());
            }
            return o;
        } catch (java.io.UncheckedIOException | IllegalStateException | IllegalArgumentException e) {
            // no trusted keys could be read (never loaded, or not a JWKS): nothing is accepted
            throw ApiException.unavailable("verification_unavailable", "the trusted verifier keys cannot be read; retry later",
                    VERIFICATION_RETRY_AFTER_SECONDS);
        }
    }

    private VerificationTokens tokens(List<String> docs) {
        CachedVerifier c = verifier;
        if (c != null && c.docs() == docs) return c.tokens();
        VerificationTokens v = new VerificationTokens(docs, config.verifierIssuer(), config.clockSkewSeconds());
        verifier = new CachedVerifier(v, docs);
        return v;
    }
}
