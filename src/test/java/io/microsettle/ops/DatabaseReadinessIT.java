package io.microsettle.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microsettle.testsupport.ServiceFixtures;
import io.microsettle.testsupport.ServiceProcess;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The packaged service on its own PostgreSQL server and dev chain: ready while both answer; when the database
 * server stops, readiness is 503 with the datasource check and the settlement check DOWN (reason
 * database_unavailable) while the chain stays UP, liveness stays UP (a restart would not bring the database
 * back), and /q/metrics still answers.
 */
class DatabaseReadinessIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    void readinessGoesDownWithTheDatabaseAndLivenessDoesNot() throws Exception {
        EmbeddedPostgres server = ServiceFixtures.postgresServer();
        boolean serverStopped = false;
        try {
            String url = ServiceFixtures.createDatabase(server, "ops_health", Optional.of("ops_health"), "pw-ops-health");
            Path workDir = ServiceFixtures.workDir("ops-db-readiness");
            try (ServiceProcess service = ServiceProcess.builder(workDir)
                    .systemProperty(ServiceFixtures.CONTRACTS_DIR, ServiceFixtures.contractsDir().toString())
                    .systemProperty("microsettle.chain.dev.kind", "anvil")
                    .systemProperty("microsettle.chain.dev.block-time-seconds", "0")
                    .systemProperty("quarkus.datasource.jdbc.url", url)
                    .systemProperty("quarkus.datasource.username", "ops_health")
                    .systemProperty("quarkus.datasource.password", "pw-ops-health")
                    .start()) {
                URI base = service.baseUri();
                JsonNode up = health(base, "/q/health/ready", 200);
                assertThat(up.path("status").asText()).as(up.toString()).isEqualTo("UP");
                assertThat(check(up, "Database connections health check").path("status").asText()).isEqualTo("UP");
                assertThat(check(up, "chain").path("status").asText()).isEqualTo("UP");
                assertThat(check(up, "settlement").path("status").asText()).isEqualTo("UP");

                server.close();
                serverStopped = true;
                JsonNode down = awaitStatus(base, "/q/health/ready", 503);
                assertThat(down.path("status").asText()).as(down.toString()).isEqualTo("DOWN");
                assertThat(check(down, "Database connections health check").path("status").asText()).isEqualTo("DOWN");
                JsonNode settlement = check(down, "settlement");
                assertThat(settlement.path("status").asText()).isEqualTo("DOWN");
                assertThat(settlement.path("data").path("reason").asText()).isEqualTo("database_unavailable");
                assertThat(check(down, "chain").path("status").asText()).isEqualTo("UP");
                JsonNode live = health(base, "/q/health/live", 200);
                assertThat(live.path("status").asText()).isEqualTo("UP");
                assertThat(get(base, "/q/metrics").statusCode()).isEqualTo(200);
                System.out.printf("database readiness: %s%n", down);
            }
        } finally {
            if (!serverStopped) server.close();
        }
    }

    static HttpResponse<String> get(URI base, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode health(URI base, String path, int status) throws Exception {
        HttpResponse<String> r = get(base, path);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return JSON.readTree(r.body());
    }

    /** Polls until the endpoint answers {@code status} (at most 60 s), then returns that answer. */
    static JsonNode awaitStatus(URI base, String path, int status) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        HttpResponse<String> r = get(base, path);
        while (r.statusCode() != status && System.nanoTime() < deadline) {
            Thread.sleep(250);
            r = get(base, path);
        }
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return JSON.readTree(r.body());
    }

    static JsonNode check(JsonNode health, String name) {
        for (JsonNode c : health.path("checks")) if (c.path("name").asText().equals(name)) return c;
        throw new AssertionError("no check " + name + " in " + health);
    }
}
