package io.microsettle.infra;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.JsonMappingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.stream.Collectors;

/** Maps every refusal to an RFC 9457 problem; nothing leaks as a bare 500 for bad input. */
public class ProblemMappers {
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    public static Response problem(int status, String code, String detail, String instance) {
        return Response.status(status).type(Problem.MEDIA_TYPE)
                .entity(Problem.of(status, code, detail, instance)).build();
    }

    @ServerExceptionMapper
    public Response api(ApiException e, UriInfo uri) {
        Response r = problem(e.status(), e.code(), e.detail(), path(uri));
        return e.retryAfterSeconds() > 0
                ? Response.fromResponse(r).header("Retry-After", Long.toString(e.retryAfterSeconds())).build() : r;
    }

    @ServerExceptionMapper(priority = 1)
    public Response json(JsonProcessingException e, UriInfo uri) {
        if (e instanceof com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException u) {
            return problem(400, "unknown_field", u.getPropertyName()
                    + ": is not a field of this request (server-owned or unknown fields are refused)", path(uri));
        }
        if (e instanceof MismatchedInputException m && !m.getPath().isEmpty()) {
            String field = m.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
            String why = e instanceof InvalidFormatException ? "has the wrong type" : "has the wrong shape";
            return problem(400, "validation_failed", field + ": " + why, path(uri));
        }
        if (e instanceof JsonMappingException && !(e.getCause() instanceof JsonProcessingException)
                && e.getClass() != JsonMappingException.class) {
            return problem(400, "validation_failed", "request body has the wrong shape", path(uri));
        }
        return problem(400, "malformed_json", "request body is not valid JSON", path(uri));
    }

    /** More specific than the built-in mapper of quarkus-rest-jackson, so it wins. */
    @ServerExceptionMapper(priority = 1)
    public Response mismatched(MismatchedInputException e, UriInfo uri) {
        return json(e, uri);
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof JsonProcessingException j) return json(j, uri);
        }
        int status = e.getResponse().getStatus();
        String code = switch (status) {
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 406 -> "not_acceptable";
            case 415 -> "unsupported_media_type";
            case 401 -> "unauthenticated";
            case 403 -> "forbidden";
            case 400 -> "bad_request";
            default -> status >= 500 ? "internal_error" : "request_refused";
        };
        if (status >= 500) {
            LOG.error("server error", e);
        }
        String detail = status == 404 ? "no such resource" : e.getMessage();
        return problem(status, code, detail, path(uri));
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e, UriInfo uri) {
        if (TransactionRetry.isRetryable(e) || TransactionRetry.isPoolExhausted(e)) {
            // a write outside a @WriteTransaction boundary, or the pool ran dry: the client may retry
            LOG.warnf("busy: %s", e.getMessage());
            return api(TransactionRetry.busy(e), uri);
        }
        if (TransactionRetry.isDatabaseUnavailable(e)) {
            // disk full, no connection, shutting down: the operator has to know, the client may retry later
            LOG.error("database unavailable", e);
            return api(ApiException.unavailable("database_unavailable", "the database cannot serve requests now; retry later",
                    TransactionRetry.DATABASE_RETRY_AFTER_SECONDS), uri);
        }
        LOG.error("unexpected error", e);
        return problem(500, "internal_error", "an unexpected error occurred", path(uri));
    }

    public static String path(UriInfo uri) {
        return uri == null ? null : uri.getPath();
    }
}
