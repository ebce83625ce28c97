package io.microsettle.security;

import io.microsettle.infra.Problem;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.json.Json;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A request whose declared {@code Content-Length} is past {@code quarkus.http.limits.max-body-size}
 * is refused as a problem (413 {@code payload_too_large}) before its body is read; the HTTP
 * layer's own limit still stops bodies sent without a length.
 *
 * <p>Any other body is then read whole on the event loop, as it arrives, before the request is handed to
 * a worker thread. RESTEasy Reactive reads the body of a blocking endpoint on the worker through a
 * blocking stream instead: every chunk is handed from the event loop to the waiting worker under the
 * connection's monitor, and the two threads contending for it took about an eighth of the service's
 * CPU under load. A body already read is given to the endpoint (and to the idempotency filter) as bytes.
 */
@ApplicationScoped
public class BodyLimitFilter {
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
            if (declared <= max) {
                boolean hasBody = declared > 0 || rc.request().getHeader("Transfer-Encoding") != null;
                if (hasBody) {
                    bodies.handle(rc); // continues with rc.next() once the body is read
                } else {
                    rc.next();
                }
                return;
            }
            String body = Json.encode(Problem.of(413, "payload_too_large",
                    "the request body is larger than " + max + " bytes", rc.request().path()));
            rc.response().setStatusCode(413).putHeader("Content-Type", Problem.MEDIA_TYPE).putHeader("Connection", "close")
                    .end(body);
        }, 1000);
    }
}
