package io.microsettle.account;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The embedded mode's dev verifier mints tokens that the service's own verification accepts. */
class DevVerifierTest {
    static final String WALLET = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed";

    @Test
    void mintedTokenVerifiesAgainstTheGeneratedJwks(@TempDir Path dir) throws Exception {
        Path jwks = DevVerifier.ensure(dir);
        String token = DevVerifier.mint(dir, "user-42", WALLET, VerificationLevel.FULL, 600);
        var tokens = new VerificationTokens(Files.readString(jwks), DevVerifier.ISSUER, 60);

        var outcome = tokens.check(token, "user-42", Instant.now());

        assertThat(outcome).isInstanceOf(VerificationTokens.Verified.class);
        var verified = (VerificationTokens.Verified) outcome;
        assertThat(verified.wallet()).isEqualToIgnoringCase(WALLET);
        assertThat(verified.level()).isEqualTo(VerificationLevel.FULL);
        assertThat(verified.kid()).isEqualTo(DevVerifier.KID);
        assertThat(tokens.check(token, "someone-else", Instant.now()))
                .isInstanceOf(VerificationTokens.Refused.class);
        assertThat(Files.readString(jwks)).doesNotContain("\"d\"");
    }

    @Test
    void keyIsGeneratedOnceAndReused(@TempDir Path dir) throws Exception {
        String first = Files.readString(DevVerifier.ensure(dir));
        assertThat(Files.readString(DevVerifier.ensure(dir))).isEqualTo(first);
    }

    @Test
    void refusesBadArguments(@TempDir Path dir) {
        assertThatThrownBy(() -> DevVerifier.mint(dir, "u", "0x123", VerificationLevel.FULL, 60))
                .hasMessageContaining("--wallet");
        assertThatThrownBy(() -> DevVerifier.mint(dir, "u", WALLET, VerificationLevel.NONE, 60))
                .hasMessageContaining("--level");
        assertThatThrownBy(() -> DevVerifier.mint(dir, "u", WALLET, VerificationLevel.BASIC, 0))
                .hasMessageContaining("--ttl-seconds");
    }
}
