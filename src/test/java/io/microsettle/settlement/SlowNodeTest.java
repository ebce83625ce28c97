package io.microsettle.settlement;

import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A slow node: a JSON-RPC proxy in front of the chain delays every reply by 6 s while settlement and
 * reconcile run against it (with cash-outs to settle). No API request that needs no chain data waits
 * for the node, directly or behind a lock or connection a worker holds across a node call: every one
 * of them answers in less than half the reply delay. The bound is structural (waiting for one reply
 * takes the whole delay), not a latency target, so a loaded 2-core machine does not make it flaky;
 * latency itself is measured by the benchmarks.
 */
@QuarkusTest
@QuarkusTestResource(value = ChainTestResource.class, restrictToAnnotatedClass = true,
        initArgs = {@ResourceArg(name = "kind", value = "anvil"), @ResourceArg(name = "proxy", value = "true")})
@Timeout(300)
class SlowNodeTest {
    static final int CLIENTS = 8;
    static final int REQUESTS = 240;
    static final Duration NODE_REPLY_DELAY = Duration.ofSeconds(6);

    @Test
    void requestsThatNeedNoChainDataKeepTheirLatencyWhileTheNodeIsSlow() throws Exception {
        String integrator = "slow-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        List<Api.FundedAccount> accounts = new ArrayList<>();
        for (int i = 0; i < 4; i++) accounts.add(Api.fundedAccount(integrator, 50_000_000));
        for (Api.FundedAccount a : accounts) {
            Response r = Api.cashout(t, a, 2_000_000, null);
            assertThat(r.statusCode()).as(r.asString()).isEqualTo(201);
        }
        measure(t, accounts); // warm-up
        double[] fast = measure(t, accounts);

        ChainTestResource.proxy.delay(NODE_REPLY_DELAY);
        try {
            // measure only once a worker is waiting on a slow reply (each takes the whole delay)
            long forwardedBefore = ChainTestResource.proxy.forwarded();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (ChainTestResource.proxy.forwarded() == forwardedBefore) {
                assertThat(System.nanoTime()).as("a worker asked the slow node within 60 s").isLessThan(deadline);
                Thread.sleep(20);
            }
            double[] slow = measure(t, accounts);
            System.out.printf("slow node: p99 %.1f ms (max %.1f) with replies at once, p99 %.1f ms (max %.1f) with every reply %d s late%n",
                    p99(fast), max(fast), p99(slow), max(slow), NODE_REPLY_DELAY.toSeconds());
            assertThat(max(slow)).as("slowest request while every node reply takes %d s", NODE_REPLY_DELAY.toSeconds())
                    .isLessThan(NODE_REPLY_DELAY.toMillis() / 2.0);
        } finally {
            ChainTestResource.proxy.healthy();
        }
    }

    /** Account reads, account creation, credits and cash-out lists from {@link #CLIENTS} clients; each latency in ms. */
    static double[] measure(String token, List<Api.FundedAccount> accounts) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Callable<Double>> tasks = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                Api.FundedAccount a = accounts.get(i % accounts.size());
                int kind = i % 4;
                tasks.add(() -> {
                    long started = System.nanoTime();
                    Response r = switch (kind) {
                        case 0 -> Api.as(token).get("/v1/accounts/" + a.id());
                        case 1 -> Api.as(token).body(Map.of("externalRef", "slow-" + UUID.randomUUID())).post("/v1/accounts");
                        case 2 -> Api.as(token).body(Map.of("items", List.of(Map.of("accountId", a.id(), "amount", "1000",
                                "reference", "slow-" + UUID.randomUUID())))).post("/v1/credits");
                        default -> Api.as(token).queryParam("accountId", a.id()).get("/v1/cashouts");
                    };
                    double millis = (System.nanoTime() - started) / 1e6;
                    assertThat(r.statusCode()).as(r.asString()).isLessThan(300);
                    return millis;
                });
            }
            double[] out = new double[REQUESTS];
            List<Future<Double>> fs = pool.invokeAll(tasks, 120, TimeUnit.SECONDS);
            for (int i = 0; i < out.length; i++) out[i] = fs.get(i).get();
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    static double max(double[] millis) {
        return Arrays.stream(millis).max().orElseThrow();
    }

    static double p99(double[] millis) {
        double[] s = millis.clone();
        Arrays.sort(s);
        return s[(int) Math.ceil(0.99 * s.length) - 1];
    }
}
