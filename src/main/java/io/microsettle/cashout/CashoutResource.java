package io.microsettle.cashout;

import io.microsettle.security.ClaimedInTransaction;
import io.microsettle.ledger.Amounts;
import io.microsettle.infra.ApiException;
import io.microsettle.infra.Validation;
import io.microsettle.security.CurrentCaller;
import io.microsettle.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import io.microsettle.infra.LogContext;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.ResponseStatus;

import java.time.Instant;
import java.util.List;

@Path("/v1/cashouts")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.INTEGRATOR)
public class CashoutResource {
    public record CashoutRequest(String quoteId, String signature) {}

    public record CashoutView(String id, String accountId, String quoteId, CashoutStatus status, String gross, String fee,
                              String net, String destination, String wallet, String reason, String batchId,
                              String txHash, Long blockNumber, Integer logIndex, Integer confirmations,
                              Instant createdAt, Instant settledAt) {}

    public record CashoutPage(List<CashoutView> data, String nextCursor) {}

    @Inject
    CashoutService cashouts;
    @Inject
    CurrentCaller caller;
    @Inject
    CashoutConfig config;

    @POST
    @ClaimedInTransaction
    @ResponseStatus(201)
    public CashoutView create(CashoutRequest body) {
        Validation.body(body);
        Validation.id(body.quoteId(), "quoteId");
        Validation.text(body.signature(), "signature", 200);
        Cashout c = cashouts.request(caller.integratorId(), caller.actor(), body.quoteId(), body.signature());
        LogContext.putCashoutId(c.id);
        return view(c);
    }

    @GET
    @Path("/{id}")
    public CashoutView get(@PathParam("id") String id) {
        return view(cashouts.get(caller.integratorId(), id));
    }

    @GET
    public CashoutPage list(@QueryParam("accountId") String accountId, @QueryParam("status") String status,
                            @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        if (accountId != null) Validation.id(accountId, "accountId");
        CashoutStatus s = null;
        if (status != null) {
            try {
                s = CashoutStatus.valueOf(status);
            } catch (IllegalArgumentException e) {
                throw ApiException.validation("status", "is not a cash-out status");
            }
            if (s == CashoutStatus.REQUESTED) throw ApiException.validation("status", "is not a cash-out status");
        }
        int pageSize = Validation.limit(limit, config.defaultPageSize(), config.maxPageSize());
        CashoutService.Page page = cashouts.list(caller.integratorId(), accountId, s, pageSize, cursor);
        return new CashoutPage(page.data().stream().map(CashoutResource::view).toList(), page.nextCursor());
    }

    static CashoutView view(Cashout c) {
        return new CashoutView(c.id, c.accountId, c.quoteId, c.status, Amounts.format(c.grossBaseUnits),
                Amounts.format(c.feeBaseUnits), Amounts.format(c.netBaseUnits), c.destination, c.wallet, c.reason,
                c.batchId, c.txHash, c.blockNumber, c.logIndex, c.confirmations, c.createdAt, c.settledAt);
    }
}
