package io.microsettle.settlement;

import io.microsettle.infra.Validation;
import io.microsettle.security.CurrentCaller;
import io.microsettle.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.time.Instant;
import java.util.List;

/** Pause, unpause, settler keys: admins change them; operators read them. */
@Path("/v1/admin")
@Produces(MediaType.APPLICATION_JSON)
public class SettlementAdminResource {
    public record PauseRequest(String reason) {}

    public record RotateRequest(String keystore) {}

    public record SettlerView(String address, String status, String addedBy, Instant addedAt, Instant retiringAt, Instant retiredAt) {}

    /**
     * {@code paused}: the service's flag (no batching, no broadcasting); {@code escrowPaused}: the escrow's own
     * {@code paused()} on chain now (null when the node does not answer), which can differ: no pauser key
     * configured, or the escrow paused or unpaused outside the service.
     */
    public record SettlementView(boolean paused, Boolean escrowPaused, String changedBy, Instant changedAt, String reason, String chainTx,
                                 List<SettlerView> settlers) {}

    static final int MAX_REASON_LENGTH = 500;

    @Inject
    SettlementAdmin admin;
    @Inject
    SettlementStore store;
    @Inject
    CurrentCaller caller;
    @Inject
    io.microsettle.chain.ChainClient chain;

    @GET
    @Path("/settlement")
    @RolesAllowed({Roles.ADMIN, Roles.OPERATOR})
    @Operation(summary = "Whether settlement is paused, and the settler keys (nonce lanes) with their status")
    public SettlementView state() {
        return view(store.control());
    }

    @POST
    @Path("/pause")
    @Consumes(MediaType.WILDCARD)
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Stops batching and broadcasting at once on every replica, then pauses the escrow contract (PAUSER_ROLE); "
            + "audited as settlement.paused and sent to operators' webhooks")
    public SettlementView pause(PauseRequest body) {
        return view(admin.pause(caller.actor(), reason(body)));
    }

    @POST
    @Path("/unpause")
    @Consumes(MediaType.WILDCARD)
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Unpauses the escrow contract, then lets batching and broadcasting resume; audited as settlement.unpaused")
    public SettlementView unpause(PauseRequest body) {
        return view(admin.unpause(caller.actor(), reason(body)));
    }

    @POST
    @Path("/settlers/rotate")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Brings in the settler key of a keystore file on the service's host (decrypted with the configured "
            + "settler password): SETTLER_ROLE granted with the admin key, new batches go to it, every other key retires "
            + "(its role revoked once its transactions are final); audited")
    public List<SettlerView> rotate(RotateRequest body) {
        Validation.body(body);
        String keystore = Validation.text(body.keystore(), "keystore", 4096);
        return admin.rotate(caller.actor(), keystore).stream().map(SettlementAdminResource::view).toList();
    }

    private static String reason(PauseRequest body) {
        return body == null || body.reason() == null ? null : Validation.text(body.reason(), "reason", MAX_REASON_LENGTH);
    }

    private SettlementView view(SettlementStore.Control c) {
        Boolean escrowPaused;
        try {
            escrowPaused = chain.escrowCapacity().paused();
        } catch (java.io.IOException | RuntimeException e) {
            escrowPaused = null;
        }
        return new SettlementView(c.paused(), escrowPaused, c.changedBy(), c.changedAt(), c.reason(), c.chainTx(),
                store.settlerKeys(chain.chainId()).stream().map(SettlementAdminResource::view).toList());
    }

    static SettlerView view(SettlementStore.SettlerKey k) {
        return new SettlerView(org.web3j.crypto.Keys.toChecksumAddress(k.address()), k.status().name(), k.addedBy(), k.addedAt(),
                k.retiringAt(), k.retiredAt());
    }
}
