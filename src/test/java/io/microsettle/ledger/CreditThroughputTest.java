package io.microsettle.ledger;

import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.microsettle.testsupport.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

/** Prints warm credits intake (items per second over HTTP); asserts only a loose floor. */
@QuarkusTest
class CreditThroughputTest {
    static final int REQUESTS = 10;
    static final int ITEMS = 1000;

    @Test
    void warmIntake() {
        String t = Tokens.integrator("tp-" + UUID.randomUUID());
        List<String> accounts = new ArrayList<>();
        for (int i = 0; i < 50; i++) accounts.add(Api.createAccount(t, "u" + i));
        List<Map<String, Object>> bodies = new ArrayList<>();
        for (int r = 0; r < REQUESTS + 2; r++) {
            List<Map<String, String>> items = new ArrayList<>();
            for (int i = 0; i < ITEMS; i++) {
                items.add(Map.of("accountId", accounts.get(i % accounts.size()), "amount", "3", "reference", "tp-" + r + "-" + i));
            }
            bodies.add(Map.of("items", items));
        }
        for (int r = 0; r < 2; r++) as(t).body(bodies.get(r)).post("/v1/credits").then().statusCode(201);
        long started = System.nanoTime();
        for (int r = 2; r < bodies.size(); r++) as(t).body(bodies.get(r)).post("/v1/credits").then().statusCode(201);
        double seconds = (System.nanoTime() - started) / 1e9;
        double itemsPerSecond = REQUESTS * ITEMS / seconds;
        System.out.printf("credits intake: %d requests x %d items in %.3f s = %.0f items/s (one client, HTTP, JSON; test database, fsync off)%n",
                REQUESTS, ITEMS, seconds, itemsPerSecond);
        assertThat(itemsPerSecond).isGreaterThan(2_000);
    }
}
