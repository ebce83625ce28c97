package io.microsettle.infra;

/**
 * A refusal that the API reports as an RFC 9457 problem ({@code application/problem+json}).
 * Plain Java so that rules can throw it without any framework.
 */
public class ApiException extends RuntimeException {
    private final int status;
    private final String code;
    private final String detail;
    private final long retryAfterSeconds;

    public ApiException(int status, String code, String detail) {
        this(status, code, detail, 0);
    }

    /** With {@code retryAfterSeconds > 0} the response carries {@code Retry-After: <seconds>}. */
    public ApiException(int status, String code, String detail, long retryAfterSeconds) {
        super(code + ": " + detail);
        this.status = status;
        this.code = code;
        this.detail = detail;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int status() { return status; }
    public String code() { return code; }
    public String detail() { return detail; }
    /** Seconds the client should wait before retrying (the Retry-After header); 0: no header. */
    public long retryAfterSeconds() { return retryAfterSeconds; }

    public static ApiException badRequest(String code, String detail) { return new ApiException(400, code, detail); }
    public static ApiException validation(String field, String why) {
        return new ApiException(400, "validation_failed", field + ": " + why);
    }
    public static ApiException notFound(String what) { return new ApiException(404, "not_found", what + " not found"); }
    public static ApiException conflict(String code, String detail) { return new ApiException(409, code, detail); }
    public static ApiException unprocessable(String code, String detail) { return new ApiException(422, code, detail); }
    /** 503: a dependency (the chain, a verifier's keys) cannot be read now; retry after the given seconds. */
    public static ApiException unavailable(String code, String detail, long retryAfterSeconds) {
        return new ApiException(503, code, detail, retryAfterSeconds);
    }
}
