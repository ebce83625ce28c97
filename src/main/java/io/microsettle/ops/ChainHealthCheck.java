package io.microsettle.ops;

import io.microsettle.chain.ChainClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness: the JSON-RPC node answers {@code eth_blockNumber} within {@code microsettle.ops.chain-timeout-millis}.
 * DOWN with {@code reason} (rpc_unreachable, rpc_timeout, rpc_error) and the node's last words.
 */
@Readiness
@ApplicationScoped
public class ChainHealthCheck implements HealthCheck {
    static final int MAX_DETAIL_CHARS = 200;

    @Inject ChainClient chain;
    @Inject OpsConfig cfg;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder r = HealthCheckResponse.named("chain");
        try {
            var reply = chain.web3j().ethBlockNumber().sendAsync().get(cfg.chainTimeoutMillis(), TimeUnit.MILLISECONDS);
            if (reply.hasError()) {
                return r.down().withData("reason", "rpc_error").withData("detail", clip(reply.getError().getMessage())).build();
            }
            return r.up().withData("headBlock", reply.getBlockNumber().longValue()).withData("chainId", chain.chainId()).build();
        } catch (TimeoutException e) {
            return r.down().withData("reason", "rpc_timeout").withData("detail", "no answer within " + cfg.chainTimeoutMillis() + " ms").build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return r.down().withData("reason", "interrupted").build();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return r.down().withData("reason", "rpc_unreachable").withData("detail", clip(cause.toString())).build();
        } catch (RuntimeException e) {
            return r.down().withData("reason", "rpc_unreachable").withData("detail", clip(e.toString())).build();
        }
    }

    static String clip(String s) {
        if (s == null) return "";
        return s.length() <= MAX_DETAIL_CHARS ? s : s.substring(0, MAX_DETAIL_CHARS) + "…";
    }
}
