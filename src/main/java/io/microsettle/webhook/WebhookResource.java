package io.microsettle.webhook;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.microsettle.security.ClaimedInTransaction;
import io.microsettle.infra.ApiException;
import io.microsettle.infra.CrashPoints;
import io.microsettle.infra.Validation;
import io.microsettle.security.CurrentCaller;
import io.microsettle.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.ResponseStatus;

import java.time.Instant;
import java.util.List;

/**
 * Webhook endpoints of the calling integrator, or of the operators (an operator's or admin's call: the
 * endpoints they share, for the settlement events) (docs/webhooks.md).
 */
@Path("/v1/webhooks")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Roles.INTEGRATOR, Roles.OPERATOR, Roles.ADMIN})
public class WebhookResource {
    public static final int MAX_DESCRIPTION_LENGTH = 200;

    public record CreateWebhookRequest(String url, List<String> events, String description) {}

    /** {@code expiresInSeconds}: how long the current secret keeps signing beside the new one. */
    public record RotateSecretRequest(Long expiresInSeconds) {}

    /**
     * An endpoint. {@code secret} is present only in the answers of create and rotate-secret;
     * {@code previousSecretExpiresAt} is set while a rotated-away secret still signs.
     */
    public record WebhookView(String id, String url, List<String> events, String description, String status,
                              @JsonInclude(JsonInclude.Include.NON_NULL) String secret, Instant previousSecretExpiresAt,
                              Instant createdAt, Instant updatedAt) {}

    public record WebhookPage(List<WebhookView> data, String nextCursor) {}

    /** One attempt of one delivery; deliveryStatus and nextAttemptAt are the delivery's now. */
    public record DeliveryAttemptView(String id, String deliveryId, String eventId, String eventType, int attempt,
                                      Instant attemptedAt, Integer statusCode, long durationMillis, String outcome, String error,
                                      String responseExcerpt, String deliveryStatus, Instant nextAttemptAt) {}

    public record DeliveryAttemptPage(List<DeliveryAttemptView> data, String nextCursor) {}

    @Inject
    WebhookService webhooks;
    @Inject
    CurrentCaller caller;
    @Inject
    WebhookConfig config;

    @POST
    @ClaimedInTransaction
    @ResponseStatus(201)
    @Operation(summary = "Subscribe a URL to events", description = "Answers the endpoint with its signing secret (whsec_...), "
            + "shown only here and by rotate-secret. Refusals: 400 validation_failed naming url, events[i] or description; "
            + "409 webhook_limit_reached.")
    public WebhookView create(CreateWebhookRequest body) {
        Validation.body(body);
        String url = WebhookUrls.validate(body.url(), config.allowHttp(), config.allowPrivateAddresses()).toString();
        String owner = owner();
        List<String> events = WebhookEventTypes.subscription(body.events(),
                owner.equals(WebhookEventTypes.OPERATORS_OWNER) ? WebhookEventTypes.OPERATOR : WebhookEventTypes.ALL);
        if (body.description() != null && body.description().length() > MAX_DESCRIPTION_LENGTH) {
            throw ApiException.validation("description", "is longer than " + MAX_DESCRIPTION_LENGTH + " characters");
        }
        WebhookService.Endpoint created = webhooks.create(owner, caller.actor(), url, events, body.description());
        // a fault test fails here: committed (the response stored with it), not yet answered
        CrashPoints.reach("webhooks.after-commit");
        return view(created, true);
    }

    @GET
    @Operation(summary = "The integrator's webhook endpoints, newest first")
    public WebhookPage list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        int n = Validation.limit(limit, config.defaultPageSize(), config.maxPageSize());
        WebhookService.Page<WebhookService.Endpoint> p = webhooks.list(owner(), n, cursor);
        return new WebhookPage(p.data().stream().map(e -> view(e, false)).toList(), p.nextCursor());
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "A webhook endpoint (without its secret)")
    public WebhookView get(@PathParam("id") String id) {
        return view(webhooks.get(owner(), id), false);
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Delete a webhook endpoint", description = "Nothing more is sent to it: its pending deliveries are "
            + "cancelled and its secrets erased. Answers the endpoint with status DELETED; afterwards its id answers 404.")
    public WebhookView delete(@PathParam("id") String id) {
        return view(webhooks.delete(owner(), caller.actor(), id), false);
    }

    @POST
    @ClaimedInTransaction
    @Path("/{id}/rotate-secret")
    @Operation(summary = "Rotate the signing secret", description = "Answers the endpoint with its new secret. The old secret "
            + "keeps signing (a second v1 in Microsettle-Signature) for expiresInSeconds (default 86400, 0 to 604800; 0 stops it "
            + "at once). The body is optional.")
    public WebhookView rotateSecret(@PathParam("id") String id, RotateSecretRequest body) {
        long overlap = config.defaultRotationOverlapSeconds();
        if (body != null && body.expiresInSeconds() != null) {
            overlap = body.expiresInSeconds();
            if (overlap < 0 || overlap > config.maxRotationOverlapSeconds()) {
                throw ApiException.validation("expiresInSeconds", "must be a whole number of seconds from 0 to "
                        + config.maxRotationOverlapSeconds());
            }
        }
        WebhookService.Endpoint rotated = webhooks.rotateSecret(owner(), caller.actor(), id, overlap);
        CrashPoints.reach("webhooks.rotate-secret.after-commit");
        return view(rotated, true);
    }

    @GET
    @Path("/{id}/deliveries")
    @Operation(summary = "Every delivery attempt to the endpoint, newest first", description = "One entry per attempt, with "
            + "the delivery's status (PENDING, DELIVERED, FAILED, CANCELLED) and its next attempt; eventId narrows to one event.")
    public DeliveryAttemptPage deliveries(@PathParam("id") String id, @QueryParam("eventId") String eventId,
                                          @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        if (eventId != null) Validation.id(eventId, "eventId");
        int n = Validation.limit(limit, config.defaultPageSize(), config.maxPageSize());
        WebhookService.Page<WebhookService.Attempt> p = webhooks.attempts(owner(), id, eventId, n, cursor);
        return new DeliveryAttemptPage(p.data().stream().map(a -> new DeliveryAttemptView(a.id(), a.deliveryId(), a.eventId(),
                a.eventType(), a.attempt(), a.attemptedAt(), a.statusCode(), a.durationMillis(), a.outcome(), a.error(),
                a.responseExcerpt(), a.deliveryStatus(), a.nextAttemptAt())).toList(), p.nextCursor());
    }

    static WebhookView view(WebhookService.Endpoint e, boolean withSecret) {
        return new WebhookView(e.id(), e.url(), e.events(), e.description(), e.status(), withSecret ? e.secret() : null,
                e.previousSecretValidUntil(Instant.now()), e.createdAt(), e.updatedAt());
    }

    /**
     * Whose endpoints the call touches: an integrator's own; an operator's or admin's (with no integrator
     * role) the operators' shared ones. An integrator whose id is the operators' owner is refused.
     */
    private String owner() {
        if (caller.hasRole(Roles.INTEGRATOR)) {
            String id = caller.integratorId();
            if (id.equals(WebhookEventTypes.OPERATORS_OWNER)) {
                throw new ApiException(403, "forbidden", "'" + id + "' is reserved for the operators' webhook endpoints");
            }
            return id;
        }
        return WebhookEventTypes.OPERATORS_OWNER;
    }
}
