package io.microsettle.security;

import io.microsettle.infra.ProblemMappers;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Rate limits per authenticated caller (an integrator is its token's subject): a token bucket
 * each, shared by all replicas ({@link RateLimitStore}), configured by
 * {@code microsettle.security.rate-limit.*}; over the limit a request is refused with 429
 * {@code rate_limited} and {@code Retry-After} before it does anything.
 */
public class RateLimitFilter {
    // configuration is read through the store (an application-scoped bean, created on first use):
    // with SecurityConfig injected here beside the store, the boot failed (SRCFG00027, no mapping
    // yet when the REST deployment instantiated this filter)
    @Inject
    SecurityIdentity identity;
    @Inject
    RateLimitStore store;

    @ServerRequestFilter(priority = Priorities.AUTHORIZATION - 10)
    public Response limit(ContainerRequestContext ctx) {
        if (identity.isAnonymous() || !store.enabled()) return null;
        // the same identity CurrentCaller uses: the token's subject (upn may differ in other issuers' tokens)
        String caller = identity.getPrincipal() instanceof org.eclipse.microprofile.jwt.JsonWebToken jwt && jwt.getSubject() != null
                ? jwt.getSubject() : identity.getPrincipal().getName();
        TokenBucket.Decision d = store.take(caller, RateLimitStore::nowMicros);
        if (d.allowed()) return null;
        Response problem = ProblemMappers.problem(429, "rate_limited", "more than " + store.bucketFor(caller).burst()
                + " requests in a burst; retry after " + d.retryAfterSeconds() + " s", ctx.getUriInfo().getPath());
        return Response.fromResponse(problem).header("Retry-After", Long.toString(d.retryAfterSeconds())).build();
    }
}
