package io.microsettle;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Secrets are masked in {@code microsettle config}; paths and URLs of key files are not secrets. */
class ConfigReportTest {
    @Test
    void passwordsAreAlwaysMasked() {
        assertThat(ConfigReport.mask("quarkus.datasource.password", "s3cret")).isEqualTo(ConfigReport.MASK);
        assertThat(ConfigReport.mask("microsettle.chain.keys.settler-password", "/not/a/path/anyway")).isEqualTo(ConfigReport.MASK);
    }

    @Test
    void keysAndSecretsAreMaskedUnlessTheyArePathsOrUrls() {
        assertThat(ConfigReport.mask("microsettle.webhooks.secret-encryption-key", "9uCteJVo7gjDbN07teRNwIzqYE981d7+hLzJ0WJr5g8="))
                .isEqualTo(ConfigReport.MASK);
        assertThat(ConfigReport.mask("mp.jwt.verify.publickey", "-----BEGIN PUBLIC KEY-----\nMIIB")).isEqualTo(ConfigReport.MASK);
        assertThat(ConfigReport.mask("smallrye.jwt.client.secret", "abc/def")).isEqualTo(ConfigReport.MASK);
        assertThat(ConfigReport.mask("mp.jwt.verify.publickey", "/etc/microsettle/callers.pem")).isEqualTo("/etc/microsettle/callers.pem");
        assertThat(ConfigReport.mask("smallrye.jwt.sign.key", "keys/sign.jwk.json")).isEqualTo("keys/sign.jwk.json");
        assertThat(ConfigReport.mask("smallrye.jwt.sign.key", "https://idp/jwks")).isEqualTo("https://idp/jwks");
    }

    @Test
    void otherSettingsAreShown() {
        assertThat(ConfigReport.mask("microsettle.chain.keys.settler-keystore", "/etc/k.json")).isEqualTo("/etc/k.json");
        assertThat(ConfigReport.mask("microsettle.security.idempotency-key-max-length", "255")).isEqualTo("255");
        assertThat(ConfigReport.mask("microsettle.chain.rpc-url", "https://rpc")).isEqualTo("https://rpc");
    }
}
