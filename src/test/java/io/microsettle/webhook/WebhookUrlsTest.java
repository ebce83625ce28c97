package io.microsettle.webhook;

import io.microsettle.infra.ApiException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WebhookUrlsTest {
    static String refusal(String url, boolean allowHttp, boolean allowPrivate) {
        try {
            WebhookUrls.validate(url, allowHttp, allowPrivate);
            return null;
        } catch (ApiException e) {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.code()).isEqualTo("validation_failed");
            assertThat(e.detail()).startsWith("url: ");
            return e.detail();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://hooks.example.com/microsettle", "https://example.com", "https://example.com:8443/a?b=c",
            "https://8.8.8.8/hook", "https://[2606:4700:4700::1111]/hook", "HTTPS://Example.COM/x", "https://a.b.c.example/%20x",
            "https://1.1.1.1:443/", "https://xn--bcher-kva.example/"})
    void acceptsPublicHttpsUrls(String url) {
        assertThat(refusal(url, false, false)).isNull();
    }

    @Test
    void refusesWhatIsNotAnAbsoluteHttpsUrl() {
        assertThat(refusal(null, false, false)).contains("required");
        assertThat(refusal(" ", false, false)).contains("required");
        assertThat(refusal("/relative/path", false, false)).contains("absolute");
        assertThat(refusal("mailto:a@example.com", false, false)).contains("absolute");
        assertThat(refusal("ftp://example.com/", false, false)).contains("scheme must be https");
        assertThat(refusal("http://example.com/", false, false)).contains("scheme must be https");
        assertThat(refusal("http://example.com/", true, false)).isNull();
        assertThat(refusal("ftp://example.com/", true, false)).contains("https or http");
        assertThat(refusal("https://user:pass@example.com/", false, false)).contains("user info");
        assertThat(refusal("https://user@example.com/", false, false)).contains("user info");
        assertThat(refusal("https://example.com/#frag", false, false)).contains("fragment");
        assertThat(refusal("https://exa mple.com/", false, false)).contains("printable ASCII");
        assertThat(refusal("https://bücher.example/", false, false)).contains("printable ASCII");
        assertThat(refusal("https://example.com/\n", false, false)).contains("printable ASCII");
        assertThat(refusal("https:///path-only", false, false)).contains("host");
        assertThat(refusal("https://example.com:0/", false, false)).contains("port must be 1 to 65535");
        assertThat(refusal("https://exa_mple.com/", false, false)).contains("host");
        assertThat(refusal("https://example.com/" + "a".repeat(2048), false, false)).contains("2048");
        assertThat(refusal("https://example.com/" + "a".repeat(2048 - 20), false, false)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.255.0.1", "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.254", "192.168.1.1",
            "169.254.169.254", "100.64.0.1", "100.127.255.255", "0.0.0.0", "0.1.2.3", "224.0.0.1", "239.255.255.250", "240.0.0.1",
            "255.255.255.255", "192.0.0.8", "192.0.2.10", "198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9",
            "[::1]", "[::]", "[fe80::1]", "[febf::1]", "[fc00::1]", "[fd12:3456::1]", "[ff02::1]", "[::ffff:127.0.0.1]",
            "[::ffff:10.1.2.3]", "[::ffff:169.254.169.254]", "[::127.0.0.1]", "[64:ff9b::a00:1]", "[64:ff9b:1::1]",
            "[2002:7f00:1::1]", "[2002:c0a8:101::1]", "[2001:db8::1]", "[2001:0:1::1]", "[fec0::1]", "[100::1]",
            "localhost", "LOCALHOST", "api.localhost", "localhost."})
    void refusesNonPublicHostsUnlessAllowed(String host) {
        String url = "https://" + host + ":8443/hook";
        assertThat(refusal(url, false, false)).as(host).contains("loopback, private");
        assertThat(refusal(url, false, true)).as(host + " allowed").isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"2130706433", "0x7f000001", "0x7f.1", "127.1", "010.0.0.1", "0177.0.0.1", "1.2.3.04", "example.123",
            "1.2.3.4.5"})
    void refusesNumericHostsThatResolversReadDifferently(String host) {
        assertThat(refusal("https://" + host + "/", false, true)).as(host).contains("host must be a DNS name");
    }

    @Test
    void refusesIpv4LiteralsOutOfRangeAndBadPorts() {
        assertThat(refusal("https://256.1.1.1/", false, true)).contains("host must be a DNS name");
        assertThat(refusal("https://1.2.3.4:99999/", false, true)).contains("port must be 1 to 65535");
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.1", "172.15.255.255", "172.32.0.1", "192.167.1.1",
            "169.253.1.1", "198.17.255.255", "198.20.0.1", "223.255.255.254", "11.0.0.1", "2606:4700:4700::1111", "2a00:1450:4001::200e",
            "2001:4860:4860::8888", "64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8"})
    void publicAddressesAreNotPrivate(String ip) throws Exception {
        assertThat(WebhookUrls.isPrivate(InetAddress.getByName(ip))).as(ip).isFalse();
    }

    @Test
    void theCheckNeverLooksUpANameWhenValidating() {
        // a name is accepted as it is (checked again, resolved, at every delivery): no DNS here
        assertThat(refusal("https://does-not-exist.invalid/hook", false, false)).isNull();
        assertThatThrownBy(() -> WebhookUrls.validate("https://[zz::1]/", false, false)).isInstanceOf(ApiException.class);
    }
}
