package io.microsettle.security;

import io.microsettle.infra.Problem;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.json.Json;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A request whose declared {@code Content-Length} is past {@code quarkus.http.limits.max-body-size}
 * is refused as a problem (413 {@code payload_too_large}) before its body is read; the HTTP
 * layer's own limit still stops bodies sent without a length.
 */
@ApplicationScoped
public class BodyLimitFilter {
    @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10M")
    MemorySize maxBodySize;

    void register(@Observes Filters filters) {
        long max = maxBodySize.asLongValue();
        filters.register(rc -> {
            String length = rc.request().getHeader("Content-Length");
            long declared;
            try {
                declared = length == null ? -1 : Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                declared = -1;
            }
            if (declared <= max) {
                rc.next();
                return;
            }
            String body = Json.encode(Problem.of(413, "payload_too_large",
                    "the request body is larger than " + max + " bytes", rc.request().path()));
            rc.response().setStatusCode(413).putHeader("Content-Type", Problem.MEDIA_TYPE).putHeader("Connection", "close")
                    .end(body);
        }, 1000);
    }
}
