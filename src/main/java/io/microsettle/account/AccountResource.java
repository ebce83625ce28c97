package io.microsettle.account;

import io.microsettle.security.ClaimedInTransaction;
import io.microsettle.ledger.Amounts;
import io.microsettle.infra.CrashPoints;
import io.microsettle.ledger.LedgerService;
import io.microsettle.infra.Validation;
import io.microsettle.security.CurrentCaller;
import io.microsettle.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.ResponseStatus;

import java.time.Instant;

@Path("/v1/accounts")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.INTEGRATOR)
public class AccountResource {
    public record CreateAccountRequest(String externalRef) {}

    /** {@code rebindWallet}: true to replace a wallet already bound (an explicit, audited event). */
    public record VerificationRequest(String token, Boolean rebindWallet) {}

    public record BalancesView(String available, String held) {}

    public record AccountView(String id, String externalRef, String verificationLevel, String wallet,
                              BalancesView balances, Instant verifiedAt, Instant createdAt) {}

    @Inject
    AccountService accounts;
    @Inject
    LedgerService ledger;
    @Inject
    CurrentCaller caller;
    @Inject
    AccountConfig config;

    @POST
    @ClaimedInTransaction
    @ResponseStatus(201)
    public AccountView create(CreateAccountRequest body) {
        Validation.body(body);
        Validation.text(body.externalRef(), "externalRef", config.maxExternalRefLength());
        Account created = accounts.create(caller.integratorId(), caller.actor(), body.externalRef());
        // a fault test fails here: committed (the response stored with it), not yet answered
        CrashPoints.reach("accounts.after-commit");
        return view(created);
    }

    @GET
    @Path("/{id}")
    public AccountView get(@PathParam("id") String id) {
        return view(accounts.get(caller.integratorId(), id));
    }

    @POST
    @ClaimedInTransaction
    @Path("/{id}/verification")
    public AccountView verify(@PathParam("id") String id, VerificationRequest body) {
        Validation.body(body);
        Validation.text(body.token(), "token", config.maxTokenChars());
        Account verified = accounts.verify(caller.integratorId(), caller.actor(), id, body.token(), Boolean.TRUE.equals(body.rebindWallet()));
        CrashPoints.reach("accounts.verification.after-commit");
        return view(verified);
    }

    private AccountView view(Account a) {
        return view(a, ledger.balances(a.id));
    }

    /** The account as the API shows it (also stored, in the change's commit, for the request's Idempotency-Key). */
    static AccountView view(Account a, LedgerService.Balances b) {
        return new AccountView(a.id, a.externalRef, a.verificationLevel.name(), a.wallet,
                new BalancesView(Amounts.format(b.availableBaseUnits()), Amounts.format(b.heldBaseUnits())),
                a.verifiedAt, a.createdAt);
    }
}
