package io.microsettle.security;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.jwt.JsonWebToken;

/** The authenticated caller: an integrator's id is its token's subject. */
@RequestScoped
public class CurrentCaller {
    @Inject
    JsonWebToken jwt;
    @Inject
    SecurityIdentity identity;

    public String subject() {
        String sub = jwt.getSubject();
        return sub != null ? sub : identity.getPrincipal().getName();
    }

    /** The integrator whose data this request may touch. */
    public String integratorId() {
        String id = subject();
        io.microsettle.infra.LogContext.putIntegrator(id);
        return id;
    }

    /**
     * Whose {@code Idempotency-Key}s these are: an integrator's id (its requests share keys, whichever token sent them), or
     * {@code staff:} and the subject of an operator, admin or auditor (each person's keys are their own).
     */
    public String idempotencyScope() {
        return identity.hasRole(Roles.INTEGRATOR) ? integratorId() : "staff:" + subject();
    }

    public boolean hasRole(String role) {
        return identity.hasRole(role);
    }

    /** Who did it, for the audit log: {@code role:subject}. */
    public String actor() {
        String role = identity.getRoles().stream().sorted().findFirst().orElse("anonymous");
        return role + ":" + subject();
    }
}
