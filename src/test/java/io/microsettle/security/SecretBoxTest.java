package io.microsettle.security;

import org.junit.jupiter.api.Test;

import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecretBoxTest {
    static final String KEY = "9uCteJVo7gjDbN07teRNwIzqYE981d7+hLzJ0WJr5g8=";
    static final SecretBox BOX = SecretBox.ofBase64(KEY);

    @Test
    void sealsAndOpensBoundToTheRow() {
        String secret = WebhookSignatures.newSecret();
        String sealed = BOX.seal(secret, "we_1");
        assertThat(sealed).startsWith("aesgcm:v1:").doesNotContain(secret.substring(6));
        assertThat(SecretBox.isSealed(sealed)).isTrue();
        assertThat(SecretBox.isSealed(secret)).isFalse();
        assertThat(BOX.open(sealed, "we_1")).isEqualTo(secret);
        // a fresh nonce every time
        assertThat(BOX.seal(secret, "we_1")).isNotEqualTo(sealed);
        // another row, another key, a flipped bit: refused
        assertThatThrownBy(() -> BOX.open(sealed, "we_2")).isInstanceOf(IllegalArgumentException.class);
        byte[] other = new byte[32];
        other[0] = 1;
        assertThatThrownBy(() -> new SecretBox(other).open(sealed, "we_1")).isInstanceOf(IllegalArgumentException.class);
        byte[] raw = Base64.getUrlDecoder().decode(sealed.substring(SecretBox.PREFIX.length()));
        raw[raw.length - 1] ^= 1;
        String tampered = SecretBox.PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        assertThatThrownBy(() -> BOX.open(tampered, "we_1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BOX.open("aesgcm:v1:AAAA", "we_1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BOX.open(secret, "we_1")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keysAre32BytesOfBase64() {
        assertThatThrownBy(() -> SecretBox.ofBase64("c2hvcnQ=")).hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> SecretBox.ofBase64("not base64!")).hasMessageContaining("base64");
        String urlSafe = Base64.getUrlEncoder().encodeToString(Base64.getDecoder().decode(KEY));
        assertThat(SecretBox.ofBase64(urlSafe).open(BOX.seal("x", "r"), "r")).isEqualTo("x");
    }
}
