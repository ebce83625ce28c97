package io.microsettle.webhook;

import io.microsettle.security.WebhookSignatures;
import io.microsettle.testsupport.WebhookReceiver;
import io.smallrye.config.WithDefault;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** One attempt of the dispatcher against real sockets on loopback, without the rest of the service. */
class WebhookDispatcherTest {
    static final String SECRET = WebhookSignatures.newSecret();

    /** WebhookConfig with its declared defaults, some overridden (by method name). */
    static WebhookConfig config(Map<String, Object> overrides) {
        return (WebhookConfig) Proxy.newProxyInstance(WebhookConfig.class.getClassLoader(), new Class<?>[] {WebhookConfig.class},
                (proxy, m, args) -> overrides.containsKey(m.getName()) ? overrides.get(m.getName()) : defaultOf(m));
    }

    static Object defaultOf(Method m) {
        if (m.getReturnType() == Optional.class) return Optional.empty();
        String v = m.getAnnotation(WithDefault.class).value();
        Class<?> t = m.getReturnType();
        if (t == boolean.class) return Boolean.parseBoolean(v);
        if (t == int.class) return Integer.parseInt(v);
        if (t == long.class) return Long.parseLong(v);
        if (t == Duration.class) return Duration.ofHours(Long.parseLong(v.replace("h", "")));
        return v;
    }

    static WebhookDispatcher dispatcher(Map<String, Object> overrides) {
        WebhookDispatcher d = new WebhookDispatcher();
        d.config = config(overrides);
        d.secrets = new WebhookSecrets();
        d.secrets.config = d.config;
        return d;
    }

    static WebhookDispatcher.Claimed claimed(String url) {
        return new WebhookDispatcher.Claimed("whd_1", "we_1", "evt_1", "cashout.queued", Instant.now(),
                "{\"id\":\"evt_1\",\"type\":\"cashout.queued\"}", 0, url, SECRET, null, null);
    }

    @Test
    void aLoopbackDestinationIsRefusedAtDeliveryTimeUnlessPrivateAddressesAreAllowed() {
        try (WebhookReceiver rx = WebhookReceiver.start()) {
            WebhookDispatcher strict = dispatcher(Map.of());
            for (String url : new String[] {rx.url(), rx.url().replace("127.0.0.1", "localhost")}) {
                WebhookDispatcher.Result r = strict.send(claimed(url), 1);
                assertThat(r.statusCode()).isNull();
                assertThat(r.succeeded()).isFalse();
                assertThat(r.error()).contains("non-public address");
            }
            assertThat(rx.received()).isEmpty();
            assertThat(WebhookDispatcher.privateDestination("[::1]")).contains("non-public address");

            WebhookDispatcher.Result ok = dispatcher(Map.of("allowPrivateAddresses", true)).send(claimed(rx.url()), 3);
            assertThat(ok.succeeded()).isTrue();
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.responseExcerpt()).isEqualTo("{\"received\":1}");
            WebhookReceiver.Received got = rx.received().getFirst();
            assertThat(got.verifies(SECRET)).isTrue();
            assertThat(got.header("Microsettle-Delivery-Attempt")).isEqualTo("3");
            assertThat(got.bodyString()).isEqualTo("{\"id\":\"evt_1\",\"type\":\"cashout.queued\"}");
        }
    }

    @Test
    void non2xxRedirectsRefusedConnectionsAndSilenceAreFailures() throws Exception {
        WebhookDispatcher d = dispatcher(Map.of("allowPrivateAddresses", true, "timeoutMillis", 300, "connectTimeoutMillis", 300));
        try (WebhookReceiver rx = WebhookReceiver.start().respond(500, 302)) {
            WebhookDispatcher.Result r500 = d.send(claimed(rx.url()), 1);
            assertThat(r500.statusCode()).isEqualTo(500);
            assertThat(r500.error()).isEqualTo("HTTP 500");
            WebhookDispatcher.Result r302 = d.send(claimed(rx.url()), 2); // not followed
            assertThat(r302.statusCode()).isEqualTo(302);
            assertThat(r302.succeeded()).isFalse();
        }
        // nothing listens there any more
        WebhookReceiver gone = WebhookReceiver.start();
        String url = gone.url();
        gone.close();
        WebhookDispatcher.Result refused = d.send(claimed(url), 1);
        assertThat(refused.statusCode()).isNull();
        assertThat(refused.error()).isNotBlank();
        // a server that accepts the connection and never answers
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            WebhookDispatcher.Result timedOut = d.send(claimed("http://127.0.0.1:" + silent.getLocalPort() + "/hook"), 1);
            assertThat(timedOut.statusCode()).isNull();
            assertThat(timedOut.error()).containsAnyOf("no response within 300 ms", "timed out");
        }
    }

    @Test
    void theLeaseCoversARoundsWorstCase() {
        WebhookDispatcher d = dispatcher(Map.of());
        // 50 claimed, 8 at a time: 7 waves of (5 s connect + 10 s exchange + 1 s), plus a minute
        assertThat(d.leaseMillis()).isEqualTo(7 * 16_000L + 60_000L);
    }
}
