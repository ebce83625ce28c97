package io.microsettle.ledger;

import io.microsettle.security.CurrentCaller;
import io.microsettle.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.math.BigInteger;

/** GET /v1/escrow: the calling integrator's escrow funding, obligations and headroom. */
@Path("/v1/escrow")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.INTEGRATOR)
public class EscrowResource {
    public record EscrowView(long chainId, String escrow, String token, int decimals, String funder, String funderBalance,
                             String obligations, String headroom) {}

    @Inject
    EscrowFunding funding;
    @Inject
    CurrentCaller caller;

    @GET
    public EscrowView get() {
        EscrowFunding.Escrow e = funding.escrow(caller.integratorId());
        return new EscrowView(e.chainId(), e.escrow(), e.token(), e.decimals(), e.funder(), e.funderBalance().toString(),
                Long.toString(e.obligationsBaseUnits()), e.headroom().max(BigInteger.ZERO).toString());
    }
}
