package io.microsettle.security;

import io.microsettle.ops.ProblemMappers;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.HashMap;
import java.util.Map;

/**
 * Rate limits per authenticated caller (an integrator is its token's subject): a token bucket
 * each, configured by {@code microsettle.security.rate-limit.*}; over the limit a request is
 * refused with 429 {@code rate_limited} and {@code Retry-After} before it does anything.
 */
public class RateLimitFilter {
    @Inject
    SecurityConfig config;
    @Inject
    SecurityIdentity identity;

    private volatile RateLimits limits;

    private RateLimits limits() {
        RateLimits l = limits;
        if (l == null) {
            synchronized (this) {
                if (limits == null) limits = create();
                l = limits;
            }
        }
        return l;
    }

    private RateLimits create() {
        SecurityConfig.RateLimit c = config.rateLimit();
        Map<String, RateLimits.Limit> overrides = new HashMap<>();
        c.overrides().forEach((who, o) -> overrides.put(who, new RateLimits.Limit(o.burst(), o.requestsPerSecond())));
        return new RateLimits(new RateLimits.Limit(c.burst(), c.requestsPerSecond()), overrides, System::nanoTime);
    }

    @ServerRequestFilter(priority = Priorities.AUTHORIZATION - 10)
    public Response limit(ContainerRequestContext ctx) {
        if (!config.rateLimit().enabled() || identity.isAnonymous()) return null;
        // the same identity CurrentCaller uses: the token's subject (upn may differ in other issuers' tokens)
        String caller = identity.getPrincipal() instanceof org.eclipse.microprofile.jwt.JsonWebToken jwt && jwt.getSubject() != null
                ? jwt.getSubject() : identity.getPrincipal().getName();
        RateLimits limits = limits();
        TokenBucket.Decision d = limits.take(caller);
        if (d.allowed()) return null;
        Response problem = ProblemMappers.problem(429, "rate_limited", "more than " + limits.limitFor(caller).burst()
                + " requests in a burst; retry after " + d.retryAfterSeconds() + " s", ctx.getUriInfo().getPath());
        return Response.fromResponse(problem).header("Retry-After", Long.toString(d.retryAfterSeconds())).build();
    }
}
