package io.microsettle.security;

import io.microsettle.infra.Problem;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A request body past {@code quarkus.http.limits.max-body-size} is refused as a problem (413
 * {@code payload_too_large}): at once when its declared {@code Content-Length} says so, before the body
 * is read, and when a body sent without a length (chunked) grows past it while it is read.
 *
 * <p>Any other body is read whole on the event loop, as it arrives, before the request is handed to a
 * worker thread. RESTEasy Reactive reads the body of a blocking endpoint on the worker through a
 * blocking stream instead: every chunk is handed from the event loop to the waiting worker under the
 * connection's monitor, and the two threads contending for it took about an eighth of the service's
 * CPU under load. A body already read is given to the endpoint (and to the idempotency filter) as bytes.
 */
@ApplicationScoped
public class BodyLimitFilter {
    static final int PAYLOAD_TOO_LARGE = 413;

    @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10M")
    MemorySize maxBodySize;

    void register(@Observes Filters filters) {
        long max = maxBodySize.asLongValue();
        BodyHandler bodies = BodyHandler.create(false).setBodyLimit(max);
        filters.register(rc -> {
            String length = rc.request().getHeader("Content-Length");
            long declared;
            try {
                declared = length == null ? -1 : Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                declared = -1;
            }
            if (declared > max) {
                refuse(rc, max);
            } else if (declared > 0 || rc.request().getHeader("Transfer-Encoding") != null) {
                bodies.handle(rc); // rc.next() once the body is read; rc.fail(413) past the limit (below)
            } else {
                rc.next();
            }
        }, 1000);
    }

    /** The BodyHandler's failure for a body that grew past the limit, answered as the same problem. */
    void refuseOversizedBodies(@Observes Router router) {
        long max = maxBodySize.asLongValue();
        router.route().order(Integer.MIN_VALUE).failureHandler(rc -> {
            if (rc.statusCode() == PAYLOAD_TOO_LARGE && !rc.response().ended()) {
                refuse(rc, max);
            } else {
                rc.next();
            }
        });
    }

    private static void refuse(RoutingContext rc, long max) {
        String body = Json.encode(Problem.of(PAYLOAD_TOO_LARGE, "payload_too_large",
                "the request body is larger than " + max + " bytes", rc.request().path()));
        rc.response().setStatusCode(PAYLOAD_TOO_LARGE).putHeader("Content-Type", Problem.MEDIA_TYPE).putHeader("Connection", "close")
                .end(body);
    }
}
