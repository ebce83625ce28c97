package io.microsettle.infra;

import java.util.regex.Pattern;
import org.jboss.logging.MDC;

/**
 * The keys of a request's log context (MDC) and the features' way to add to it: the integrator once the
 * caller is known, the cash-out a request is about. The request filter that sets and clears the context
 * is ops.RequestContext.
 */
public final class LogContext {
    public static final String REQUEST_ID = "requestId";
    public static final String INTEGRATOR = "integrator";
    public static final String CASHOUT_ID = "cashoutId";
    /** Ids that go into a log line as they are: short tokens; anything else is not logged. */
    public static final Pattern SHORT_TOKEN = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    static final int MAX_INTEGRATOR_CHARS = 128;

    private LogContext() {}

    /** The cash-out this request is about, for its log lines. */
    public static void putCashoutId(String id) {
        if (id != null && SHORT_TOKEN.matcher(id).matches()) MDC.put(CASHOUT_ID, id);
    }

    /** The integrator this request acts for. */
    public static void putIntegrator(String id) {
        if (id != null) MDC.put(INTEGRATOR, id.length() <= MAX_INTEGRATOR_CHARS ? id : id.substring(0, MAX_INTEGRATOR_CHARS));
    }

    /** Clears the request's keys (the request is done, or a new one starts on this thread). */
    public static void clear() {
        MDC.remove(REQUEST_ID);
        MDC.remove(INTEGRATOR);
        MDC.remove(CASHOUT_ID);
    }
}
