package io.microsettle.testsupport;

import io.restassured.response.Response;

import java.util.Map;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Asserts RFC 9457 refusals and that they wrote nothing. */
public final class Problems {
    private Problems() {}

    public static void assertProblem(Response r, int status, String code) {
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(status);
        assertThat(r.contentType()).as(r.asString()).startsWith("application/problem+json");
        assertThat(r.jsonPath().getString("code")).as(r.asString()).isEqualTo(code);
        assertThat(r.jsonPath().getInt("status")).isEqualTo(status);
        assertThat(r.jsonPath().getString("title")).isNotBlank();
        assertThat(r.jsonPath().getString("type")).isNotBlank();
    }

    /** Runs the request, asserts the problem, and that no table changed. Returns the problem's detail. */
    public static String refusedWithoutWrites(DbRows db, Supplier<Response> request, int status, String code) {
        Map<String, Long> before = db.snapshot();
        Response r = request.get();
        assertProblem(r, status, code);
        assertThat(db.snapshot()).as("rows after " + code).isEqualTo(before);
        return r.jsonPath().getString("detail");
    }
}
