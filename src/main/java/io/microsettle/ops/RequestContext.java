package io.microsettle.ops;

import io.microsettle.infra.LogContext;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.ext.Provider;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * Every API request's log context (MDC): {@code requestId} (the caller's {@code X-Request-Id} when it is a
 * short token, else a new one; echoed in the response), {@code cashoutId} for /v1/cashouts/{id}; the
 * {@code integrator} is added when the code asks who the caller is (security.CurrentCaller) and a new
 * cash-out's id by its resource, through {@link LogContext}. With {@code microsettle.ops.access-log} one line per request
 * (category {@code io.microsettle.access}): method, path, status, milliseconds.
 */
@Provider
public class RequestContext implements ContainerRequestFilter, ContainerResponseFilter {
    public static final String HEADER = "X-Request-Id";
    static final String REQUEST_ID = LogContext.REQUEST_ID;
    static final String STARTED = RequestContext.class.getName() + ".started";
    private static final Logger ACCESS = Logger.getLogger("io.microsettle.access");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Looked up at the first response: providers are created before runtime configuration mappings exist. */
    @Inject jakarta.enterprise.inject.Instance<OpsConfig> cfg;
    private volatile Boolean accessLog;

    @Override
    public void filter(ContainerRequestContext request) {
        request.setProperty(STARTED, System.nanoTime());
        String given = request.getHeaderString(HEADER);
        String id = given != null && LogContext.SHORT_TOKEN.matcher(given).matches() ? given : newRequestId();
        request.setProperty(REQUEST_ID, id);
        LogContext.clear();
        MDC.put(REQUEST_ID, id);
        String cashout = request.getUriInfo().getPathParameters().getFirst("id");
        if (cashout != null && request.getUriInfo().getPath().startsWith("/v1/cashouts/")) LogContext.putCashoutId(cashout);
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        Object id = request.getProperty(REQUEST_ID);
        if (id != null) response.getHeaders().putSingle(HEADER, id);
        try {
            Boolean log = accessLog;
            if (log == null) accessLog = log = cfg.get().accessLog();
            if (log && request.getProperty(STARTED) instanceof Long started) {
                ACCESS.infof("%s %s %d %d ms", request.getMethod(), request.getUriInfo().getPath(), response.getStatus(),
                        (System.nanoTime() - started) / 1_000_000);
            }
        } finally {
            LogContext.clear();
        }
    }

    static String newRequestId() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return "req_" + HexFormat.of().formatHex(b);
    }
}
