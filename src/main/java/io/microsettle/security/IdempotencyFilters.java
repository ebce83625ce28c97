package io.microsettle.security;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microsettle.infra.Problem;
import io.microsettle.infra.ProblemMappers;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * {@code Idempotency-Key} on every POST of an authenticated caller: the same key with the same request (method, path,
 * body bytes) answers the first response again (same status and body); with another request it
 * is a 409 {@code idempotency_key_reused}; while the first is running, 409
 * {@code idempotency_in_progress}. Keys are scoped per caller ({@link CurrentCaller#idempotencyScope()}): an integrator,
 * or one operator or admin.
 */
public class IdempotencyFilters {
    private static final Logger LOG = Logger.getLogger(IdempotencyFilters.class);
    public static final String HEADER = "Idempotency-Key";
    static final String CLAIMED = IdempotencyFilters.class.getName() + ".claimed";
    static final int MAX_BODY_BYTES = 2 * 1024 * 1024;

    @Inject
    IdempotencyStore store;
    @Inject
    SecurityIdentity identity;
    @Inject
    SecurityConfig config;
    @Inject
    CurrentCaller caller;
    @Inject
    ObjectMapper mapper;
    @Inject
    IdempotentResponse inTransaction;

    @ServerRequestFilter(readBody = true)
    public Response claim(ContainerRequestContext ctx, ResourceInfo resource) throws IOException {
        String key = ctx.getHeaderString(HEADER);
        if (key == null || !"POST".equals(ctx.getMethod())) return null;
        if (identity.isAnonymous()) return null;
        if (key.isEmpty() || key.length() > config.idempotencyKeyMaxLength() || !key.chars().allMatch(ch -> ch > 32 && ch < 127)) {
            return ProblemMappers.problem(400, "validation_failed",
                    HEADER + ": 1 to " + config.idempotencyKeyMaxLength() + " printable ASCII characters", path(ctx));
        }
        byte[] body;
        try (InputStream in = ctx.getEntityStream()) {
            body = in == null ? new byte[0] : in.readNBytes(MAX_BODY_BYTES);
        }
        ctx.setEntityStream(new ByteArrayInputStream(body));
        String scope = caller.idempotencyScope();
        String hash = sha256(ctx.getMethod(), path(ctx), body);
        boolean inItsTransaction = resource.getResourceMethod() != null
                && resource.getResourceMethod().isAnnotationPresent(ClaimedInTransaction.class);
        IdempotencyStore.Claim found = inItsTransaction ? store.lookup(scope, key, hash) : store.claim(scope, key, ctx.getMethod(), path(ctx), hash);
        return switch (found) {
            case IdempotencyStore.Proceed p -> {
                IdempotencyStore.Claimed claimed = new IdempotencyStore.Claimed(scope, key);
                ctx.setProperty(CLAIMED, claimed);
                if (inItsTransaction) inTransaction.pending(new IdempotencyStore.Pending(scope, key, ctx.getMethod(), path(ctx), hash));
                else inTransaction.claimed(claimed);
                yield null;
            }
            case IdempotencyStore.Replay r -> replay(r);
            case IdempotencyStore.Mismatch m -> ProblemMappers.problem(409, "idempotency_key_reused",
                    "this Idempotency-Key was used with a different request", path(ctx));
            case IdempotencyStore.InProgress i -> ProblemMappers.problem(409, "idempotency_in_progress",
                    "a request with this Idempotency-Key is still running", path(ctx));
            case IdempotencyStore.Unreplayable u -> ProblemMappers.problem(409, "idempotency_response_sealed", u.detail(), path(ctx));
        };
    }

    /**
     * Keeps the response for replay (or forgets the claim after a 5xx), unless the request's own transaction stored it
     * ({@link IdempotentResponse}: every POST that changes state in one transaction; the admin POSTs that call the chain
     * are kept here). If that statement fails (no pooled connection in time), the response
     * goes out as it is, never replaced by a 500: the claim then stays in progress until it is purged.
     */
    @ServerResponseFilter
    public void remember(ContainerRequestContext req, ContainerResponseContext res) {
        if (!(req.getProperty(CLAIMED) instanceof IdempotencyStore.Claimed c)) return;
        req.removeProperty(CLAIMED);
        if (inTransaction.stored()) return;
        if (inTransaction.pending().isPresent()) {
            keep(inTransaction.pending().get(), req, res);
            return;
        }
        try {
            if (res.getStatus() >= 500) {
                store.release(c.scope(), c.key());
                return;
            }
            try {
                store.complete(c.scope(), c.key(), res.getStatus(), bodyText(res));
            } catch (JsonProcessingException e) {
                store.release(c.scope(), c.key());
            }
        } catch (RuntimeException e) {
            LOG.warnf("idempotency key of %s not recorded after %d: %s", c.scope(), res.getStatus(), e.getMessage());
        }
    }

    /**
     * A request whose transaction was to claim the key, and which did not commit a response: a refusal is kept for
     * replay; after a 5xx, or when its transaction found the key taken, nothing. A refusal made while another request
     * with the key ran (the quote that request used, say) is not this key's answer: that request's response is
     * answered instead, replayed, or 409 {@code idempotency_in_progress}.
     */
    private void keep(IdempotencyStore.Pending p, ContainerRequestContext req, ContainerResponseContext res) {
        if (inTransaction.conflicted() || res.getStatus() >= 500) return;
        try {
            if (store.keep(p, res.getStatus(), bodyText(res))) return;
            Response instead = switch (store.lookup(p.scope(), p.key(), p.requestHash())) {
                case IdempotencyStore.Replay r -> replay(r);
                default -> ProblemMappers.problem(409, "idempotency_in_progress", "a request with this Idempotency-Key is still running", path(req));
            };
            res.setStatus(instead.getStatus());
            res.setEntity(instead.getEntity(), null, instead.getMediaType());
            if (instead.getHeaderString("Idempotent-Replayed") != null) res.getHeaders().putSingle("Idempotent-Replayed", "true");
        } catch (JsonProcessingException | RuntimeException e) {
            LOG.warnf("idempotency key of %s not recorded after %d: %s", p.scope(), res.getStatus(), e.getMessage());
        }
    }

    /** The response's body as it is kept for replay: a String as it is, anything else as JSON. */
    private String bodyText(ContainerResponseContext res) throws JsonProcessingException {
        Object entity = res.getEntity();
        return entity == null ? "" : entity instanceof String s ? s : mapper.writeValueAsString(entity);
    }

    private static Response replay(IdempotencyStore.Replay r) {
        return Response.status(r.status()).type(r.status() >= 400 ? Problem.MEDIA_TYPE : MediaType.APPLICATION_JSON)
                .header("Idempotent-Replayed", "true").entity(r.body()).build();
    }

    private static String path(ContainerRequestContext ctx) {
        return ctx.getUriInfo().getPath();
    }

    static String sha256(String method, String path, byte[] body) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update((method + " " + path + "\n").getBytes(StandardCharsets.UTF_8));
            md.update(body);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
