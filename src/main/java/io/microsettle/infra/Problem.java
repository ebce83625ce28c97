package io.microsettle.infra;

import com.fasterxml.jackson.annotation.JsonInclude;

/** RFC 9457 problem details with a stable machine-readable {@code code}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String code, String instance) {
    public static final String MEDIA_TYPE = "application/problem+json";
    /** Problem types are URNs named by the stable code, e.g. {@code urn:microsettle:problem:quote_expired}. */
    public static final String TYPE_PREFIX = "urn:microsettle:problem:";

    public static Problem of(int status, String code, String detail, String instance) {
        return new Problem(TYPE_PREFIX + code, title(status), status, detail, code, instance);
    }

    static String title(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 406 -> "Not Acceptable";
            case 409 -> "Conflict";
            case 410 -> "Gone";
            case 413 -> "Payload Too Large";
            case 415 -> "Unsupported Media Type";
            case 422 -> "Unprocessable Content";
            case 429 -> "Too Many Requests";
            case 503 -> "Service Unavailable";
            default -> status >= 500 ? "Internal Server Error" : "Error";
        };
    }
}
