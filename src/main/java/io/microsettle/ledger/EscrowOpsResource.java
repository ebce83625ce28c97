package io.microsettle.ledger;

import io.microsettle.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.math.BigInteger;
import java.util.List;

/** GET /v1/ops/escrow: every integrator's escrow balance, obligations and headroom, for operators (read only). */
@Path("/v1/ops/escrow")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Roles.OPERATOR, Roles.ADMIN})
public class EscrowOpsResource {
    /** {@code headroom} may be negative here (an operator needs to see a shortfall); null when the integrator has no funder. */
    public record IntegratorEscrow(String integratorId, String funder, String funderBalance, String obligations, String headroom) {}

    public record EscrowOverviewView(long chainId, String escrow, String token, int decimals, List<IntegratorEscrow> data,
                                     boolean truncated) {}

    @Inject
    EscrowOverview overview;
    @Inject
    io.microsettle.chain.ChainClient chain;

    @GET
    @Operation(summary = "Every integrator's escrow funder, its balance on chain, the integrator's unsettled obligations and "
            + "headroom (at most 200 integrators)")
    public EscrowOverviewView get() {
        EscrowOverview.Overview o = overview.overview();
        List<IntegratorEscrow> rows = o.integrators().stream()
                .map(r -> new IntegratorEscrow(r.integratorId(), r.funder(), str(r.funderBalance()), Long.toString(r.obligationsBaseUnits()),
                        str(r.headroom())))
                .toList();
        return new EscrowOverviewView(chain.chainId(), chain.escrowAddress(), chain.tokenAddress(), chain.tokenDecimals(), rows,
                o.truncated());
    }

    private static String str(BigInteger v) {
        return v == null ? null : v.toString();
    }
}
