package io.microsettle.risk;

import com.fasterxml.jackson.databind.JsonNode;
import io.microsettle.security.CurrentCaller;
import io.microsettle.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.Map;

/** Transaction limits: read by operators and admins, changed (a new version, audited) by admins. */
@Path("/v1/admin/limits")
@Produces(MediaType.APPLICATION_JSON)
public class LimitsResource {
    @Inject
    LimitSets limits;
    @Inject
    CurrentCaller caller;

    @GET
    @RolesAllowed({Roles.ADMIN, Roles.OPERATOR})
    public Map<String, Object> get() {
        return limits.view(limits.current());
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    public Map<String, Object> put(JsonNode body) {
        return limits.view(limits.put(body, caller.actor()));
    }
}
