package io.microsettle.pricing;

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

/** The fee schedule: read by operators and admins, changed (a new version, audited) by admins. */
@Path("/v1/admin/fee-schedule")
@Produces(MediaType.APPLICATION_JSON)
public class FeeScheduleResource {
    @Inject
    FeeSchedules schedules;
    @Inject
    CurrentCaller caller;

    @GET
    @RolesAllowed({Roles.ADMIN, Roles.OPERATOR})
    public Map<String, Object> get() {
        return schedules.view(schedules.current());
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    public Map<String, Object> put(JsonNode body) {
        return schedules.view(schedules.put(body, caller.actor()));
    }
}
