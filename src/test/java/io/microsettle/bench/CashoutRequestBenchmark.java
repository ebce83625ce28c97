package io.microsettle.bench;

import com.fasterxml.jackson.databind.JsonNode;
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

/**
 * Benchmark (runs with -Pbench only): the cash-out request path, POST /v1/cashouts with a
 * signed quote (signature recovery, limits, anomaly facts, hold, audit), several concurrent
 * clients, one account per client. Quotes are made and signed before each round.
 * Settings: -Dbench.clients (4), -Dbench.cashouts (per round, 200), -Dbench.warmup (1), -Dbench.rounds (3).
 */
@QuarkusTest
@Tag("bench")
class CashoutRequestBenchmark {
    static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/v1/cashouts")
    URI cashouts;

    @Test
    void requestPath() throws Exception {
        int clients = Bench.setting("clients", 4);
        int perRound = Bench.setting("cashouts", 200);
        int warmup = Bench.setting("warmup", 1);
        int rounds = Bench.setting("rounds", 3);
        String integrator = "cobench-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        List<Api.FundedAccount> accounts = new ArrayList<>();
        for (int i = 0; i < clients; i++) accounts.add(Api.fundedAccount(integrator, 1_000_000L * perRound * (warmup + rounds)));
        List<Bench.Round> measured = new ArrayList<>();
        for (int r = 0; r < warmup + rounds; r++) {
            List<String> bodies = new ArrayList<>();
            for (int i = 0; i < perRound; i++) {
                Api.FundedAccount a = accounts.get(i % accounts.size());
                JsonNode q = Api.quote(t, a.id(), 900_000);
                bodies.add(JSON.writeValueAsString(Map.of("quoteId", q.get("id").asText(), "signature", Api.sign(q, a.wallet()))));
            }
            List<Callable<Long>> tasks = new ArrayList<>();
            for (String b : bodies) tasks.add(() -> Bench.post(cashouts, t, b, 201));
            Bench.Round round = Bench.run(clients, tasks);
            if (r >= warmup) measured.add(round);
        }
        Bench.table(String.format("cash-out requests: POST /v1/cashouts, %d per round, %d clients, %d warm-up rounds",
                perRound, clients, warmup), "requests/s", 1, measured);
    }
}
