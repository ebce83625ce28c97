package io.microsettle.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microsettle.infra.Problem;
import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.Tokens;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bodies sent without a length (chunked): read whole before the endpoint runs when within the limit, refused
 * as a 413 {@code payload_too_large} problem, with nothing written, when they grow past it (the declared
 * Content-Length case is in {@link RefusalSuiteTest}).
 */
@QuarkusTest
class BodyLimitTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int OVER_THE_LIMIT_BYTES = 1_100_000; // the test profile's limit is 1M, as the service's

    @TestHTTPResource("/v1/accounts")
    URI accounts;
    @Inject
    DbRows db;

    @Test
    void aChunkedBodyWithinTheLimitReachesTheEndpoint() throws Exception {
        String ref = "chunked-" + UUID.randomUUID();
        HttpResponse<String> r = postChunked(Tokens.integrator("body-" + UUID.randomUUID()),
                ("{\"externalRef\":\"" + ref + "\"}").getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(JSON.readTree(r.body()).path("externalRef").asText()).isEqualTo(ref);
    }

    @Test
    void aChunkedBodyPastTheLimitIsRefusedAsAProblemWithNothingWritten() throws Exception {
        Map<String, Long> before = db.snapshot();
        byte[] huge = ("{\"externalRef\":\"" + "x".repeat(OVER_THE_LIMIT_BYTES) + "\"}").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> r = postChunked(Tokens.integrator("body-" + UUID.randomUUID()), huge);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith(Problem.MEDIA_TYPE));
        JsonNode problem = JSON.readTree(r.body());
        assertThat(problem.path("code").asText()).isEqualTo("payload_too_large");
        assertThat(problem.path("status").asInt()).isEqualTo(413);
        assertThat(problem.path("detail").asText()).contains("larger than");
        assertThat(db.snapshot()).isEqualTo(before);
    }

    private HttpResponse<String> postChunked(String token, byte[] body) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        // an input stream publisher has no length: java.net.http sends the body chunked
        HttpRequest request = HttpRequest.newBuilder(accounts).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
