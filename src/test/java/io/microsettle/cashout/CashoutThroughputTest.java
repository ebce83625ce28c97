package io.microsettle.cashout;

import com.fasterxml.jackson.databind.JsonNode;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.Tokens;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.microsettle.testsupport.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

/** Prints cash-out request throughput and latency (client threads on java.net.http); asserts only a loose floor. */
@QuarkusTest
class CashoutThroughputTest {
    static final int CASHOUTS = 200;
    static final int CLIENTS = Integer.getInteger("clients", 4);

    static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URI base;

    @Test
    void requestPath() throws Exception {
        String integrator = "cotp-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        Api.FundedAccount a = Api.fundedAccount(integrator, 1_000_000L * CASHOUTS);
        List<Map<String, String>> bodies = new ArrayList<>();
        for (int i = 0; i < CASHOUTS + 20; i++) {
            JsonNode q = Api.quote(t, a.id(), 400_000);
            bodies.add(Map.of("quoteId", q.get("id").asText(), "signature", Api.sign(q, a.wallet())));
        }
        for (int i = 0; i < 20; i++) as(t).body(bodies.get(i)).post("/v1/cashouts").then().statusCode(201);
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        long[] latenciesMicros = new long[CASHOUTS];
        long started = System.nanoTime();
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < CASHOUTS; i++) {
                int n = i;
                fs.add(pool.submit(() -> {
                    long s = System.nanoTime();
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/v1/cashouts"))
                            .header("Authorization", "Bearer " + t).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(bodies.get(20 + n)))).build(),
                            HttpResponse.BodyHandlers.ofString());
                    latenciesMicros[n] = (System.nanoTime() - s) / 1000;
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get(120, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        Arrays.sort(latenciesMicros);
        System.out.printf("cash-out requests: %d in %.3f s = %.0f req/s with %d clients; p50 %.1f ms, p99 %.1f ms (test database, fsync off)%n",
                CASHOUTS, seconds, CASHOUTS / seconds, CLIENTS, latenciesMicros[CASHOUTS / 2] / 1000.0,
                latenciesMicros[CASHOUTS * 99 / 100] / 1000.0);
        assertThat(CASHOUTS / seconds).isGreaterThan(10);
    }
}
