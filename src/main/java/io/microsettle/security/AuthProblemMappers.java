package io.microsettle.security;

import io.microsettle.infra.Problem;
import io.microsettle.infra.ProblemMappers;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import static io.microsettle.infra.ProblemMappers.path;
import static io.microsettle.infra.ProblemMappers.problem;

/** Authentication and authorisation refusals as RFC 9457 problems (401 with a Bearer challenge, 403). */
public class AuthProblemMappers {
    @ServerExceptionMapper(priority = 1)
    public Response unauthorized(UnauthorizedException e, UriInfo uri) {
        return unauthenticated(uri, new AuthFailures.Refusal(
                AuthFailures.UNAUTHENTICATED, "a valid bearer token is required"));
    }

    @ServerExceptionMapper(priority = 1)
    public Response authFailed(AuthenticationFailedException e, UriInfo uri) {
        return unauthenticated(uri, AuthFailures.classify(e));
    }

    @ServerExceptionMapper(priority = 1)
    public Response forbidden(ForbiddenException e, UriInfo uri) {
        return problem(403, "forbidden", "the caller's role may not do this", path(uri));
    }

    static Response unauthenticated(UriInfo uri, AuthFailures.Refusal why) {
        String challenge = why.code().equals(AuthFailures.UNAUTHENTICATED) ? "Bearer"
                : "Bearer error=\"invalid_token\"";
        return Response.status(401).type(Problem.MEDIA_TYPE)
                .header("WWW-Authenticate", challenge)
                .entity(Problem.of(401, why.code(), why.detail(), path(uri))).build();
    }

}
