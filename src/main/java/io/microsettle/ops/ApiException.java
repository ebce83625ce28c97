package io.microsettle.ops;

/**
 * A refusal that the API reports as an RFC 9457 problem ({@code application/problem+json}).
 * Plain Java so that rules can throw it without any framework.
 */
public class ApiException extends RuntimeException {
    private final int status;
    private final String code;
    private final String detail;

    public ApiException(int status, String code, String detail) {
        super(code + ": " + detail);
        this.status = status;
        this.code = code;
        this.detail = detail;
    }

    public int status() { return status; }
    public String code() { return code; }
    public String detail() { return detail; }

    public static ApiException badRequest(String code, String detail) { return new ApiException(400, code, detail); }
    public static ApiException validation(String field, String why) {
        return new ApiException(400, "validation_failed", field + ": " + why);
    }
    public static ApiException notFound(String what) { return new ApiException(404, "not_found", what + " not found"); }
    public static ApiException conflict(String code, String detail) { return new ApiException(409, code, detail); }
    public static ApiException unprocessable(String code, String detail) { return new ApiException(422, code, detail); }
}
