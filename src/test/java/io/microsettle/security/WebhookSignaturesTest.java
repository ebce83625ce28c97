package io.microsettle.security;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static io.microsettle.security.WebhookSignatures.Verdict.MALFORMED;
import static io.microsettle.security.WebhookSignatures.Verdict.NO_MATCHING_SIGNATURE;
import static io.microsettle.security.WebhookSignatures.Verdict.TIMESTAMP_OUT_OF_TOLERANCE;
import static io.microsettle.security.WebhookSignatures.Verdict.VALID;
import static org.assertj.core.api.Assertions.assertThat;

class WebhookSignaturesTest {
    static final String SECRET = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYwMTI";
    static final String NEXT_SECRET = "whsec_c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24tdGVzdHMtMDA";
    static final long T = 1_764_000_000L;
    static final byte[] BODY = ("{\"id\":\"evt_0123456789abcdef01234567\",\"type\":\"cashout.queued\","
            + "\"createdAt\":\"2025-11-24T16:00:00Z\",\"data\":{\"id\":\"co_1\"}}").getBytes(StandardCharsets.UTF_8);
    /**
     * Computed once outside Java:
     * printf '%s' '1764000000.<BODY>' | openssl dgst -sha256 -hmac '<SECRET>' (and NEXT_SECRET).
     */
    static final String V1 = "99e29df58c276f0f745eec51f99d5996e7305c957a261e193e87bfecea56bda5";
    static final String NEXT_V1 = "a1c06416717ff4fb930bdee49e7893e14274d7f3da90db0f1a8fe01181a14784";

    @Test
    void matchesAVectorComputedWithOpenssl() {
        assertThat(WebhookSignatures.v1(SECRET, T, BODY)).isEqualTo(V1);
        assertThat(WebhookSignatures.v1(NEXT_SECRET, T, BODY)).isEqualTo(NEXT_V1);
        assertThat(WebhookSignatures.header(T, BODY, List.of(SECRET))).isEqualTo("t=1764000000,v1=" + V1);
    }

    @Test
    void signsAndVerifies() {
        String h = WebhookSignatures.header(T, BODY, List.of(SECRET));
        assertThat(WebhookSignatures.verify(h, BODY, SECRET, T, 300)).isEqualTo(VALID);
        assertThat(WebhookSignatures.verify(h, BODY, SECRET, T + 300, 300)).isEqualTo(VALID);
        assertThat(WebhookSignatures.verify(h, BODY, NEXT_SECRET, T, 300)).isEqualTo(NO_MATCHING_SIGNATURE);
        // upper-case hex and spaces after commas are tolerated
        assertThat(WebhookSignatures.verify("t=" + T + ", v1=" + V1.toUpperCase(), BODY, SECRET, T, 300)).isEqualTo(VALID);
    }

    @Test
    void duringARotationBothSecretsVerify() {
        String h = WebhookSignatures.header(T, BODY, List.of(NEXT_SECRET, SECRET));
        assertThat(h).isEqualTo("t=1764000000,v1=" + NEXT_V1 + ",v1=" + V1);
        assertThat(WebhookSignatures.verify(h, BODY, SECRET, T, 300)).isEqualTo(VALID);
        assertThat(WebhookSignatures.verify(h, BODY, NEXT_SECRET, T, 300)).isEqualTo(VALID);
        assertThat(WebhookSignatures.verify(h, BODY, "whsec_other", T, 300)).isEqualTo(NO_MATCHING_SIGNATURE);
    }

    @Test
    void aTamperedBodyOrTimestampDoesNotVerify() {
        String h = WebhookSignatures.header(T, BODY, List.of(SECRET));
        byte[] tampered = new String(BODY, StandardCharsets.UTF_8).replace("co_1", "co_2").getBytes(StandardCharsets.UTF_8);
        assertThat(WebhookSignatures.verify(h, tampered, SECRET, T, 300)).isEqualTo(NO_MATCHING_SIGNATURE);
        byte[] spaced = (new String(BODY, StandardCharsets.UTF_8) + " ").getBytes(StandardCharsets.UTF_8);
        assertThat(WebhookSignatures.verify(h, spaced, SECRET, T, 300)).isEqualTo(NO_MATCHING_SIGNATURE);
        // the signature binds t: moving t (to pass the age check) breaks it
        assertThat(WebhookSignatures.verify("t=" + (T + 600) + ",v1=" + V1, BODY, SECRET, T + 600, 300)).isEqualTo(NO_MATCHING_SIGNATURE);
    }

    @Test
    void anOldOrFutureTimestampIsRefusedBeyondFiveMinutes() {
        String h = WebhookSignatures.header(T, BODY, List.of(SECRET));
        long tolerance = WebhookSignatures.DEFAULT_TOLERANCE_SECONDS;
        assertThat(tolerance).isEqualTo(300);
        assertThat(WebhookSignatures.verify(h, BODY, SECRET, T + tolerance + 1, tolerance)).isEqualTo(TIMESTAMP_OUT_OF_TOLERANCE);
        assertThat(WebhookSignatures.verify(h, BODY, SECRET, T - tolerance - 1, tolerance)).isEqualTo(TIMESTAMP_OUT_OF_TOLERANCE);
        assertThat(WebhookSignatures.verify(h, BODY, SECRET, T + 3600, tolerance)).isEqualTo(TIMESTAMP_OUT_OF_TOLERANCE);
    }

    @Test
    void malformedHeadersAreRefused() {
        for (String bad : new String[] {null, "", "v1=" + V1, "t=" + T, "t=abc,v1=" + V1, "t=-5,v1=" + V1, "t=" + T + ",t=" + T + ",v1=" + V1,
                "garbage", "t=" + T + ",v1", "x".repeat(2000)}) {
            assertThat(WebhookSignatures.verify(bad, BODY, SECRET, T, 300)).as(String.valueOf(bad)).isEqualTo(MALFORMED);
        }
        // an unknown scheme is ignored, a known one still verifies
        assertThat(WebhookSignatures.verify("t=" + T + ",v0=abc,v1=" + V1, BODY, SECRET, T, 300)).isEqualTo(VALID);
    }

    @Test
    void secretsAre32RandomBytesInBase64Url() {
        String a = WebhookSignatures.newSecret();
        String b = WebhookSignatures.newSecret();
        assertThat(a).startsWith("whsec_").isNotEqualTo(b).matches("whsec_[A-Za-z0-9_-]{43}");
        assertThat(Base64.getUrlDecoder().decode(a.substring(6))).hasSize(32);
    }
}
