package io.microsettle.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.Tokens;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Benchmark (runs with -Pbench only): credits intake through POST /v1/credits, 1,000-item
 * requests from several concurrent clients, warm-up rounds first, then N measured rounds.
 * Settings: -Dbench.clients (4), -Dbench.items (1000), -Dbench.requests (per round, 40),
 * -Dbench.warmup (3 rounds), -Dbench.rounds (5).
 */
@QuarkusTest
@Tag("bench")
class CreditIntakeBenchmark {
    static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/v1/credits")
    URI credits;

    @Test
    void creditsIntake() throws Exception {
        int clients = Bench.setting("clients", 4);
        int items = Bench.setting("items", 1000);
        int requests = Bench.setting("requests", 40);
        int warmup = Bench.setting("warmup", 3);
        int rounds = Bench.setting("rounds", 5);
        String integrator = "bench-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        List<String> accounts = new ArrayList<>();
        for (int i = 0; i < 100; i++) accounts.add(Api.createAccount(t, "u" + i));
        AtomicLong ref = new AtomicLong();
        List<Bench.Round> measured = new ArrayList<>();
        for (int r = 0; r < warmup + rounds; r++) {
            List<String> bodies = new ArrayList<>();
            for (int q = 0; q < requests; q++) {
                List<Map<String, String>> list = new ArrayList<>(items);
                for (int i = 0; i < items; i++) {
                    list.add(Map.of("accountId", accounts.get((int) (ref.get() % accounts.size())), "amount", "3",
                            "reference", "ref-" + ref.incrementAndGet()));
                }
                bodies.add(JSON.writeValueAsString(Map.of("items", list)));
            }
            List<Callable<Long>> tasks = new ArrayList<>();
            for (String b : bodies) tasks.add(() -> Bench.post(credits, t, b, 201));
            Bench.Round round = Bench.run(clients, tasks);
            if (r >= warmup) measured.add(round);
        }
        Bench.table(String.format("credits intake: POST /v1/credits, %d items per request, %d requests per round, %d clients, %d warm-up rounds",
                items, requests, clients, warmup), "items/s", items, measured);
    }
}
