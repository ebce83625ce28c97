package io.microsettle.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microsettle.testsupport.ServiceClient;
import io.microsettle.testsupport.ServiceProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The packaged service started with the one setting {@code MICROSETTLE_OPS_JSON_LOG=true} (and the access log):
 * its log lines are JSON objects, and a request's lines carry the request id (the caller's X-Request-Id, or a
 * new one, echoed in the response), the integrator and the cash-out id in their MDC.
 */
class JsonLogIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final long TUSD = 1_000_000;

    @Test
    void logLinesAreJsonWithRequestIntegratorAndCashoutIds() throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "it-json-log").toAbsolutePath()).resolve("run-" + System.currentTimeMillis());
        try (ServiceProcess service = ServiceProcess.builder(dir)
                .systemProperty("microsettle.data-dir", dir.resolve("data").toString())
                .systemProperty("microsettle.chain.dev.contracts-dir", Path.of("contracts").toAbsolutePath().toString())
                .systemProperty("microsettle.chain.dev.kind", "anvil")
                .systemProperty("microsettle.ops.access-log", "true")
                .env("MICROSETTLE_OPS_JSON_LOG", "true")
                .start()) {
            ServiceClient client = new ServiceClient(service.baseUri(), dir.resolve("data"));
            String integrator = "json-log-test";
            String token = client.token(integrator, "integrator");
            ServiceClient.Reply created = ServiceClient.expect(client.cashout(token, client.fundedAccount(token, 10 * TUSD), TUSD), 201);
            String cashoutId = created.body().get("id").asText();
            HttpResponse<String> read = HttpClient.newHttpClient().send(HttpRequest.newBuilder(service.baseUri().resolve("/v1/cashouts/" + cashoutId))
                    .header("Authorization", "Bearer " + token).header("X-Request-Id", "caller-chosen-42").GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(read.statusCode()).isEqualTo(200);
            assertThat(read.headers().firstValue("X-Request-Id")).contains("caller-chosen-42");

            assertThat(service.awaitLine(l -> l.contains("GET /v1/cashouts/" + cashoutId), Duration.ofSeconds(30))).isTrue();
            List<JsonNode> logs = new ArrayList<>();
            for (String line : List.copyOf(service.output())) {
                if (line.startsWith("{")) logs.add(JSON.readTree(line)); // every log line parses (the start summary is plain text)
            }
            System.out.printf("json log: %d JSON log lines of %d output lines%n", logs.size(), service.output().size());
            // Quarkus' own start line is a log line, so JSON
            assertThat(logs).anySatisfy(l -> assertThat(l.path("message").asText()).contains("started in"));
            assertThat(service.output()).noneMatch(l -> l.contains("started in") && !l.startsWith("{"));
            for (JsonNode l : logs) {
                assertThat(l.has("timestamp") && l.has("level") && l.has("loggerName") && l.has("message")).as(l.toString()).isTrue();
            }
            JsonNode post = access(logs, "POST /v1/cashouts 201").orElseThrow(() -> new AssertionError("no access line for the POST"));
            assertThat(post.path("mdc").path("requestId").asText()).startsWith("req_");
            assertThat(post.path("mdc").path("integrator").asText()).isEqualTo(integrator);
            assertThat(post.path("mdc").path("cashoutId").asText()).isEqualTo(cashoutId);
            JsonNode get = access(logs, "GET /v1/cashouts/" + cashoutId + " 200").orElseThrow();
            assertThat(get.path("mdc").path("requestId").asText()).isEqualTo("caller-chosen-42");
            assertThat(get.path("mdc").path("integrator").asText()).isEqualTo(integrator);
            assertThat(get.path("mdc").path("cashoutId").asText()).isEqualTo(cashoutId);
            // each request its own id; nothing leaks into lines of other requests
            JsonNode quote = access(logs, "POST /v1/quotes 201").orElseThrow();
            assertThat(quote.path("mdc").path("requestId").asText()).isNotEqualTo(post.path("mdc").path("requestId").asText());
            assertThat(quote.path("mdc").has("cashoutId")).isFalse();
        }
    }

    static Optional<JsonNode> access(List<JsonNode> logs, String prefix) {
        return logs.stream().filter(l -> l.path("loggerName").asText().equals("io.microsettle.access")
                && l.path("message").asText().startsWith(prefix)).findFirst();
    }
}
